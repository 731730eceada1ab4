//! `tsos notices send` against a real SMTP server process: Python's aiosmtpd on loopback
//! (`smtp_sink.py`), which reads every message back with Python's own e-mail parser. Its
//! venv is made by `.ci/smtp-venv.sh`; `TSOS_TEST_PYTHON` names another python with aiosmtpd.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::util::Dir;
use crate::web::{FORM, Served, csrf_in, http, log_in, request, set_cookie};

/// The python the SMTP server runs on: `$TSOS_TEST_PYTHON`, else the venv of
/// `.ci/smtp-venv.sh`.
fn python() -> PathBuf {
    match std::env::var_os("TSOS_TEST_PYTHON") {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/smtp-venv/bin/python"),
    }
}

/// aiosmtpd in a process of its own, stopped when dropped.
struct SmtpServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl SmtpServer {
    /// Starts the server, failing with how to install it where it cannot run.
    fn start(dir: PathBuf) -> SmtpServer {
        std::fs::create_dir_all(&dir).unwrap();
        let python = python();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/smtp_sink.py");
        let install = "create the venv with `.ci/smtp-venv.sh` (python3 -m venv target/smtp-venv; \
                       target/smtp-venv/bin/pip install aiosmtpd), or set TSOS_TEST_PYTHON to a \
                       python that has aiosmtpd";
        let mut child = Command::new(&python)
            .arg(&script)
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| {
                panic!(
                    "the mail tests need a real SMTP server, and {} could not be run ({err}): {install}",
                    python.display()
                )
            });
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let Some(port) = line
            .trim()
            .strip_prefix("READY ")
            .and_then(|p| p.parse().ok())
        else {
            let output = child.wait_with_output().unwrap();
            panic!(
                "the SMTP server (aiosmtpd on {}) did not start: {}\n{install}",
                python.display(),
                String::from_utf8_lossy(&output.stderr)
            );
        };
        SmtpServer { child, port, dir }
    }

    /// Recipients the server refuses with 550 from now on.
    fn refuse(&self, addresses: &[&str]) {
        std::fs::write(self.dir.join("refuse.txt"), addresses.join("\n")).unwrap();
    }

    /// Every message taken so far, in order, as Python read it.
    fn received(&self) -> Vec<serde_json::Value> {
        let mut messages = Vec::new();
        for n in 1.. {
            let path = self.dir.join(format!("msg-{n}.json"));
            let Ok(text) = std::fs::read_to_string(&path) else {
                break;
            };
            messages.push(serde_json::from_str(&text).unwrap());
        }
        messages
    }

    fn attachment(&self, entry: &serde_json::Value) -> Vec<u8> {
        std::fs::read(self.dir.join(entry["file"].as_str().unwrap())).unwrap()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Three schools below target: А and Б with addresses, В without; letter № 01-12/1 of
/// 12.10.2023 with its notices, and the settings pointing at `port`.
fn letter(dir: &Dir, port: u16) {
    let registry = dir.write(
        "реестр.csv",
        "ИНН;Полное наименование ОО;Муниципальное образование;Численность педагогических работников;Адрес электронной почты\n\
         0500000001;Школа А;Буйнакский район;20;a@school.ru\n\
         0500000002;Школа Б;Буйнакский район;20;b@school.ru\n\
         0500000003;Школа В;Ахтынский район;20;\n",
    );
    dir.import("registry", &registry, "2023-09-01").ok();
    let month = dir.write(
        "октябрь.csv",
        "ИНН;Количество активных педагогов\n0500000001;10\n0500000002;12\n0500000003;5\n",
    );
    dir.import("myschool", &month, "2023-10-01").ok();
    dir.write(
        "tsos-letter.toml",
        format!(
            "authority = \"МКУ «Управление образования»\"\nnumber_prefix = \"01-12/\"\n\n\
             [smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n\
             from = \"Управление образования <uo@example.ru>\"\n"
        ),
    );
    dir.tsos(&[
        "letter",
        "--as-of",
        "2023-10-01",
        "--deadline",
        "20.10.2023",
        "--date",
        "12.10.2023",
        "--notices",
        "--out",
        "Письма",
    ])
    .ok();
}

const SUBJECT: &str = "Уведомление о результатах мониторинга ЦОС от 12.10.2023";

#[test]
fn notices_reach_a_real_server_once_and_a_refused_one_on_the_next_run() {
    let dir = Dir::new();
    let server = SmtpServer::start(dir.path("smtp"));
    letter(&dir, server.port);

    // A dry run writes the messages and sends and logs nothing.
    let run = dir
        .tsos(&["notices", "send", "--letter", "1", "--dry-run", "eml"])
        .ok();
    assert!(run.stdout.contains("Пробный запуск"), "{}", run.stdout);
    for inn in ["0500000001", "0500000002"] {
        let eml = std::fs::read_to_string(dir.path(&format!("eml/{inn}.eml"))).unwrap();
        assert!(eml.contains("Subject: =?utf-8?"), "{eml}");
    }
    assert!(!dir.path("eml/0500000003.eml").exists());
    assert!(server.received().is_empty());
    let log = dir.tsos(&["notices", "log", "--letter", "1"]).ok().stdout;
    assert!(log.contains("попыток отправки не было"), "{log}");

    // Б's address is refused: А gets its notice, Б is logged as failed, В has no address.
    server.refuse(&["b@school.ru"]);
    let run = dir.tsos(&["notices", "send", "--letter", "1"]).fails();
    assert!(
        run.stdout
            .contains("Отправлено — 1:\n  0500000001  Школа А  a@school.ru\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "Не отправлено — 1:\n  0500000002  Школа Б  b@school.ru: 550 5.1.1 <b@school.ru>: Recipient address rejected: User unknown\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Без адреса электронной почты"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("  0500000003  Школа В\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("не отправлено уведомлений: 1"),
        "{}",
        run.stderr
    );

    let received = server.received();
    assert_eq!(received.len(), 1);
    let message = &received[0];
    assert_eq!(message["rcpt_tos"], serde_json::json!(["a@school.ru"]));
    assert_eq!(message["mail_from"], "uo@example.ru");
    assert_eq!(message["subject"], SUBJECT);
    assert!(
        message["raw_subject"]
            .as_str()
            .unwrap()
            .starts_with("=?utf-8?"),
        "the subject is RFC 2047 on the wire: {}",
        message["raw_subject"]
    );
    assert_eq!(message["from"], "Управление образования <uo@example.ru>");
    let text = message["text"].as_str().unwrap();
    assert!(
        text.contains("для Школа А (письмо № 01-12/1 от 12.10.2023)"),
        "{text}"
    );
    assert!(text.contains("в срок до 20.10.2023"), "{text}");

    // Both attachments are the files written beside the letter, byte for byte.
    let notices = dir.path("Письма/Уведомления_12.10.2023");
    let attachments = message["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 2);
    for (attachment, file, name, kind) in [
        (
            &attachments[0],
            "0500000001.pdf",
            "Уведомление_№01-12-1_от_12.10.2023.pdf",
            "application/pdf",
        ),
        (
            &attachments[1],
            "0500000001.docx",
            "Уведомление_№01-12-1_от_12.10.2023.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ] {
        assert_eq!(attachment["filename"], name);
        assert_eq!(attachment["content_type"], kind);
        let written = std::fs::read(notices.join(file)).unwrap();
        assert!(written.len() > 1000, "{file}: {} bytes", written.len());
        assert!(server.attachment(attachment) == written, "{file} differs");
    }

    let log = dir.tsos(&["notices", "log", "--letter", "1"]).ok().stdout;
    assert!(
        log.contains("0500000001  a@school.ru  отправлено: 250 2.0.0 Ok: queued as 1"),
        "{log}"
    );
    assert!(
        log.contains("0500000002  b@school.ru  не отправлено: 550 5.1.1"),
        "{log}"
    );
    assert!(log.contains("0500000003  —  нет адреса"), "{log}");

    // The server takes Б now: the next run sends Б only.
    server.refuse(&[]);
    let run = dir.tsos(&["notices", "send", "--letter", "1"]).ok();
    assert!(
        run.stdout
            .contains("Отправлено — 1:\n  0500000002  Школа Б"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "Уже отправлены раньше, не повторялись — 1:\n  0500000001  Школа А  a@school.ru: "
        ),
        "{}",
        run.stdout
    );
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[1]["rcpt_tos"], serde_json::json!(["b@school.ru"]));
    assert_eq!(received[1]["subject"], SUBJECT);

    // And once all are delivered, a run sends nothing.
    let run = dir.tsos(&["notices", "send", "--letter", "1"]).ok();
    assert!(!run.stdout.contains("Отправлено —"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("Итого: отправлено 0, не отправлено 0, без адреса 1, отправлены раньше 2."),
        "{}",
        run.stdout
    );
    assert_eq!(server.received().len(), 2, "nothing sent twice");
}

#[test]
fn what_keeps_notices_from_going_is_said() {
    let dir = Dir::new();
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    letter(&dir, port);
    let run = dir.tsos(&["notices", "send", "--letter", "1"]).fails();
    assert!(
        run.stderr
            .contains(&format!("SMTP-сервер 127.0.0.1:{port}: ошибка соединения")),
        "{}",
        run.stderr
    );
    let run = dir.tsos(&["notices", "send", "--letter", "9"]).fails();
    assert!(
        run.stderr.contains("письмо №9 не найдено"),
        "{}",
        run.stderr
    );
    let run = dir
        .tsos(&["notices", "send", "--letter", "1", "--only", "0500000009"])
        .fails();
    assert!(
        run.stderr
            .contains("у школы с ИНН 0500000009 нет уведомления"),
        "{}",
        run.stderr
    );

    // Settings without [smtp], and none at all.
    dir.write("tsos-letter.toml", "authority = \"УО\"\n");
    let run = dir.tsos(&["notices", "send", "--letter", "1"]).fails();
    assert!(
        run.stderr
            .contains("нет настроек SMTP: добавьте в tsos-letter.toml таблицу [smtp]"),
        "{}",
        run.stderr
    );
    std::fs::remove_file(dir.path("tsos-letter.toml")).unwrap();
    let run = dir.tsos(&["notices", "send", "--letter", "1"]).fails();
    assert!(
        run.stderr
            .contains("нет настроек SMTP: файла tsos-letter.toml здесь нет"),
        "{}",
        run.stderr
    );

    // A malformed address in the registry is a warning with its line; the school stays.
    let registry = dir.write(
        "реестр2.csv",
        "ИНН;Полное наименование ОО;Муниципальное образование;Численность педагогических работников;E-mail\n\
         0500000001;Школа А;Буйнакский район;20;a@school..ru\n",
    );
    let run = dir.import("registry", &registry, "2023-11-01").ok();
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains("реестр2.csv:2: column «E-mail»: не адрес электронной почты"),
        "{all}"
    );
}

#[test]
fn reminders_go_to_schools_without_a_reply_once_from_days_before_the_deadline() {
    let dir = Dir::new();
    let server = SmtpServer::start(dir.path("smtp"));
    letter(&dir, server.port);
    // Letter 2 on the same figures, due the day after tomorrow.
    let deadline = (tsos_app::today() + jiff::ToSpan::days(2)).to_string();
    dir.tsos(&[
        "letter",
        "--as-of",
        "2023-10-01",
        "--deadline",
        &deadline,
        "--date",
        "12.10.2023",
        "--out",
        "Письма2",
    ])
    .ok();

    let early = dir
        .tsos(&["notices", "remind", "--letter", "2", "--before", "1d"])
        .fails();
    assert!(
        early
            .stderr
            .contains("напоминания по письму № 01-12/2 рассылаются с"),
        "{}",
        early.stderr
    );
    let late = dir
        .tsos(&["notices", "remind", "--letter", "1", "--before", "3d"])
        .fails();
    assert!(
        late.stderr.contains("прошел: напоминать поздно"),
        "{}",
        late.stderr
    );
    let bad = dir
        .tsos(&["notices", "remind", "--letter", "2", "--before", "три"])
        .fails();
    assert!(
        bad.stderr.contains("ожидается число дней"),
        "{}",
        bad.stderr
    );
    assert!(server.received().is_empty());

    // Nobody has replied: А and Б are reminded, В has no address.
    let run = dir
        .tsos(&["notices", "remind", "--letter", "2", "--before", "3д"])
        .ok();
    assert!(
        run.stdout
            .contains("0500000001  Школа А  напоминание отправлено: 250")
            && run.stdout.contains("0500000003  Школа В  нет адреса"),
        "{}",
        run.stdout
    );
    let received = server.received();
    assert_eq!(received.len(), 2, "{received:?}");
    assert_eq!(received[0]["rcpt_tos"], serde_json::json!(["a@school.ru"]));
    assert_eq!(
        received[0]["subject"],
        "Напоминание: ответ на уведомление о результатах мониторинга ЦОС от 12.10.2023"
    );
    let text = received[0]["text"].as_str().unwrap();
    assert!(
        text.contains("Школа А не дала ответа") && text.contains("ФГИС «Моя школа», педагоги"),
        "{text}"
    );
    assert_eq!(received[0]["attachments"], serde_json::json!([]));

    // Once reminded, never again; the log says what each attempt was.
    let run = dir
        .tsos(&["notices", "remind", "--letter", "2", "--before", "3d"])
        .ok();
    assert!(run.stdout.contains("уже напоминали"), "{}", run.stdout);
    assert_eq!(server.received().len(), 2, "nothing sent twice");
    let log = dir.tsos(&["notices", "log", "--letter", "2"]).ok().stdout;
    assert!(
        log.contains("напоминание  0500000002  b@school.ru  отправлено: 250"),
        "{log}"
    );
}

/// The dashboard's «Отправить снова» goes through the same server: the notice a refusal kept
/// from a school reaches it on the administrator's resend, logged, and a second resend sends
/// nothing more.
#[test]
fn an_administrator_resends_a_refused_notice_from_the_dashboard() {
    let dir = Dir::new();
    let server = SmtpServer::start(dir.path("smtp"));
    letter(&dir, server.port);
    server.refuse(&["b@school.ru"]);
    dir.tsos(&["notices", "send", "--letter", "1"]).fails();
    assert_eq!(server.received().len(), 1, "А only");
    server.refuse(&[]);
    dir.tsos(&[
        "user",
        "add",
        "admin",
        "--role",
        "admin",
        "--password",
        "пароль-администратора",
    ])
    .ok();
    // Run in the folder, the server finds tsos-letter.toml and its [smtp] there.
    let served = Served::start(&dir);
    let addr = served.addr.clone();
    let head = log_in(&addr, "admin", "пароль-администратора");
    let cookie = format!("tsos_session={}", set_cookie(&head, "tsos_session"));
    let resend = || {
        let (_, page) = http(
            &addr,
            &request("GET", "/followup?letter=1", &cookie, FORM, b""),
        );
        assert!(page.contains("Отправить снова"), "{page}");
        let form = format!("csrf={}&letter=1&org=0500000002", csrf_in(&page));
        http(
            &addr,
            &request("POST", "/followup/resend", &cookie, FORM, form.as_bytes()),
        )
    };
    let (head, page) = resend();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{page}");
    assert!(
        page.contains("Уведомление школе Школа Б отправлено на b@school.ru."),
        "{page}"
    );
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[1]["rcpt_tos"], serde_json::json!(["b@school.ru"]));
    assert_eq!(received[1]["subject"], SUBJECT);
    let log = dir.tsos(&["notices", "log", "--letter", "1"]).ok().stdout;
    // The refusal stays in the log, the delivery follows it.
    assert!(log.contains("b@school.ru  не отправлено: 550"), "{log}");
    assert!(log.contains("b@school.ru  отправлено: 250"), "{log}");

    let (_, page) = resend();
    assert!(page.contains("уже доставлено раньше"), "{page}");
    assert_eq!(server.received().len(), 2, "nothing sent twice");
}
