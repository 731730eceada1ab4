//! Where a message goes: an SMTP server, or a folder of `.eml` files for a dry run.

use std::error::Error as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::Transport;
use lettre::transport::smtp::SmtpTransport;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use tsos_letter::{Security, SmtpSettings};

use crate::{Mail, MailError};

/// How long the server may keep tsos waiting for an answer.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Takes messages one at a time.
pub trait Outbox {
    /// Hands over one message: the server's answer when it took it.
    fn send(&mut self, mail: &Mail) -> Result<String, Refusal>;

    /// Whether a message taken reaches the school, and so goes into the log as sent.
    fn delivers(&self) -> bool;
}

/// Why a message was not taken: the server's answer («550 5.1.1 …») or what went wrong on
/// the way, in Russian.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal(pub String);

/// An SMTP server, checked on connecting. Each message goes over a connection of its own, so
/// that one refused or cut off does not take the next ones with it.
pub struct Smtp {
    transport: SmtpTransport,
}

impl Smtp {
    /// Connects to the server of `settings` (logging in with `password` where a login is set)
    /// and says goodbye: an error here means nothing can be sent.
    pub fn connect(settings: &SmtpSettings, password: Option<String>) -> Result<Smtp, MailError> {
        let tls = match settings.security {
            Security::Starttls => Tls::Required(tls_parameters(settings)?),
            Security::Tls => Tls::Wrapper(tls_parameters(settings)?),
            Security::None => Tls::None,
        };
        let mut builder = SmtpTransport::builder_dangerous(&settings.host)
            .port(settings.port())
            .tls(tls)
            .timeout(Some(TIMEOUT));
        if let Some(login) = &settings.login {
            if settings.security == Security::None {
                return Err(MailError::PasswordInClear);
            }
            let password = password.ok_or(MailError::NoPassword)?;
            builder = builder.credentials(Credentials::new(login.clone(), password));
        }
        let transport = builder.build();
        let server = format!("{}:{}", settings.host, settings.port());
        match transport.test_connection() {
            Ok(true) => Ok(Smtp { transport }),
            Ok(false) => Err(MailError::Connect {
                server,
                detail: "соединение закрыто сразу после входа".into(),
            }),
            Err(err) => Err(MailError::Connect {
                server,
                detail: answer(&err),
            }),
        }
    }
}

impl Outbox for Smtp {
    fn send(&mut self, mail: &Mail) -> Result<String, Refusal> {
        match self.transport.send(&mail.message) {
            Ok(response) => Ok(format!(
                "{} {}",
                response.code(),
                response.message().collect::<Vec<_>>().join(" ")
            )
            .trim_end()
            .to_string()),
            Err(err) => Err(Refusal(answer(&err))),
        }
    }

    fn delivers(&self) -> bool {
        true
    }
}

fn tls_parameters(settings: &SmtpSettings) -> Result<TlsParameters, MailError> {
    let mut builder = TlsParameters::builder(settings.host.clone());
    if let Some(path) = &settings.ca_file {
        let ca_error = |detail: String| MailError::CaFile {
            path: path.display().to_string(),
            detail,
        };
        let pem = std::fs::read(path).map_err(|err| ca_error(err.to_string()))?;
        let certificate = Certificate::from_pem(&pem).map_err(|err| ca_error(answer(&err)))?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build_rustls().map_err(|err| MailError::Connect {
        server: settings.host.clone(),
        detail: answer(&err),
    })
}

/// The server's answer as it gave it («550 5.1.1 <x@y.ru>: Recipient address rejected»), or
/// what kept tsos from getting one.
fn answer(err: &lettre::transport::smtp::Error) -> String {
    let detail = err.source().map(ToString::to_string).unwrap_or_default();
    if let Some(code) = err.status() {
        return format!("{code} {detail}").trim_end().to_string();
    }
    let what = if err.is_timeout() {
        "сервер не ответил вовремя"
    } else if err.is_tls() {
        "ошибка TLS"
    } else if err.is_response() {
        "непонятный ответ сервера"
    } else {
        "ошибка соединения"
    };
    match detail.is_empty() {
        true => what.to_string(),
        false => format!("{what}: {detail}"),
    }
}

/// A dry run: each message is written to `DIR/ИНН.eml` and goes nowhere.
pub struct EmlFolder {
    dir: PathBuf,
}

impl EmlFolder {
    pub fn create(dir: &Path) -> Result<EmlFolder, MailError> {
        std::fs::create_dir_all(dir).map_err(|err| MailError::Folder {
            path: dir.display().to_string(),
            detail: err.to_string(),
        })?;
        Ok(EmlFolder {
            dir: dir.to_path_buf(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Outbox for EmlFolder {
    fn send(&mut self, mail: &Mail) -> Result<String, Refusal> {
        let path = self.dir.join(format!("{}.eml", mail.key));
        std::fs::write(&path, mail.eml())
            .map(|()| format!("записано: {}", path.display()))
            .map_err(|err| Refusal(format!("не удалось записать {}: {err}", path.display())))
    }

    fn delivers(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    use jiff::civil::date;
    use tsos_letter::LetterSettings;

    use super::*;
    use crate::{NoticeMail, Sender, build};

    fn smtp(port: u16, extra: &str) -> SmtpSettings {
        LetterSettings::from_toml(&format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\nfrom = \"uo@example.ru\"\n{extra}"
        ))
        .unwrap()
        .smtp
        .unwrap()
    }

    fn mail() -> Mail {
        build(
            &Sender::parse("uo@example.ru").unwrap(),
            &NoticeMail {
                settings: &LetterSettings::default(),
                letter_number: "1",
                letter_date: date(2023, 10, 12),
                as_of: date(2023, 10, 1),
                deadline: date(2023, 10, 20),
                school_id: "0500000001",
                school_name: "Школа",
                to: "a@school.ru",
                pdf: b"%PDF",
                docx: b"PK",
            },
        )
        .unwrap()
    }

    #[test]
    fn settings_that_cannot_work_are_refused_before_connecting() {
        let err = Smtp::connect(&smtp(1, "login = \"uo\"\n"), Some("x".into()))
            .err()
            .unwrap();
        assert!(matches!(err, MailError::PasswordInClear), "{err}");
        let mut settings = smtp(1, "login = \"uo\"\n");
        settings.security = Security::Starttls;
        let err = Smtp::connect(&settings, None).err().unwrap();
        assert!(err.to_string().contains("TSOS_SMTP_PASSWORD"), "{err}");
        settings.ca_file = Some("/нет/такого.pem".into());
        let err = Smtp::connect(&settings, Some("x".into())).err().unwrap();
        assert!(err.to_string().contains("/нет/такого.pem"), "{err}");
    }

    #[test]
    fn a_server_that_is_not_there_is_named() {
        // A port that was just free: nothing listens on it.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = Smtp::connect(&smtp(port, ""), None).err().unwrap();
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("SMTP-сервер 127.0.0.1:{port}: ")),
            "{text}"
        );
        assert!(text.contains("ошибка соединения"), "{text}");
    }

    /// A server that greets, then refuses the sender with 554: the answer is kept whole.
    #[test]
    fn a_refusal_keeps_the_servers_answer() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            // One connection to test, one to send.
            for _ in 0..2 {
                let (stream, _) = listener.accept().unwrap();
                let mut out = stream.try_clone().unwrap();
                let mut lines = BufReader::new(stream);
                out.write_all(b"220 test ESMTP\r\n").unwrap();
                let mut line = String::new();
                while lines.read_line(&mut line).unwrap() > 0 {
                    let reply: &[u8] = match line.get(..4).map(str::to_ascii_uppercase).as_deref() {
                        Some("EHLO") => b"250 test\r\n",
                        Some("NOOP") => b"250 OK\r\n",
                        Some("MAIL") => b"554 5.7.1 Sender blocked by policy\r\n",
                        Some("QUIT") => b"221 Bye\r\n",
                        _ => b"500 What\r\n",
                    };
                    out.write_all(reply).unwrap();
                    if line.to_ascii_uppercase().starts_with("QUIT") {
                        break;
                    }
                    line.clear();
                }
            }
        });
        let mut smtp = Smtp::connect(&smtp(port, ""), None).unwrap();
        let mail = mail();
        let refusal = smtp.send(&mail).unwrap_err();
        assert_eq!(refusal.0, "554 5.7.1 Sender blocked by policy");
        assert!(smtp.delivers());
        server.join().unwrap();
    }

    #[test]
    fn a_dry_run_writes_eml_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut folder = EmlFolder::create(&dir.path().join("eml")).unwrap();
        assert!(!folder.delivers());
        let mail = mail();
        let said = folder.send(&mail).unwrap();
        let path = folder.dir().join("0500000001.eml");
        assert!(said.contains("0500000001.eml"), "{said}");
        assert_eq!(std::fs::read(path).unwrap(), mail.eml());
    }
}
