//! The web dashboard's commands: `tsos user add`, the end of `tsos demo`, and how `tsos
//! serve` stops. The pages themselves are tested in `tsos-web` without sockets.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::util::{Dir, Run};

/// `tsos user add …` with `input` on standard input, as a script would pipe a password.
fn user_add(dir: &Dir, args: &[&str], input: &str) -> Run {
    let mut child = dir
        .command()
        .args(["user", "add"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    Run {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn user_add_reads_a_piped_password_and_checks_the_scope() {
    let dir = Dir::new();
    dir.one_school(57, 640);
    let run = user_add(
        &dir,
        &["Director", "--role", "school", "--scope", "512345678"],
        "длинный пароль\n",
    )
    .ok();
    assert!(run.stdout.contains("«director» создана"), "{}", run.stdout);
    assert!(run.stdout.contains("(ИНН 0512345678)"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("длинный пароль"),
        "the password is never printed"
    );
    let run = user_add(
        &dir,
        &["director", "--role", "school", "--scope", "0512345678"],
        "другой пароль\n",
    )
    .ok();
    assert!(run.stdout.contains("обновлена"), "{}", run.stdout);
    let run = user_add(
        &dir,
        &["admin", "--role", "admin", "--password", "short"],
        "",
    )
    .fails();
    assert!(run.stderr.contains("короче 8 знаков"), "{}", run.stderr);
    let run = user_add(
        &dir,
        &["mo", "--role", "municipality", "--scope", "Нет такого"],
        "длинный пароль\n",
    )
    .fails();
    assert!(
        run.stderr.contains("«Нет такого» нет в реестре")
            && run.stderr.contains("Буйнакский район"),
        "{}",
        run.stderr
    );
}

/// Without a terminal (here, as in CI) the demo prints how to open the dashboard and ends
/// instead of serving.
#[test]
fn demo_without_a_terminal_does_not_serve() {
    let dir = Dir::new();
    let out = dir.path("demo");
    let output = Command::new(env!("CARGO_BIN_EXE_tsos"))
        .args(["demo", "--schools", "10", "--out"])
        .arg(&out)
        .current_dir(dir.dir.path())
        .env_remove("TSOS_DB")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("serve, затем откройте http://127.0.0.1:8080"),
        "{stdout}"
    );
    assert!(stdout.contains("администратор: demo / demo") && stdout.contains("school / demo"));
}

/// A `tsos serve` over the database of a test's folder, on a free port of loopback, killed
/// (SIGKILL) when dropped.
pub(crate) struct Served {
    pub(crate) child: std::process::Child,
    pub(crate) addr: String,
}

impl Served {
    /// Started in the folder (so it finds a `tsos-letter.toml` there), its log discarded.
    pub(crate) fn start(dir: &Dir) -> Served {
        let mut child = dir
            .command()
            .args(["serve", "--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let addr = served_address(&mut child);
        Served { child, addr }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The address a starting `tsos serve` says it listens on, from the first line it prints.
pub(crate) fn served_address(child: &mut std::process::Child) -> String {
    let mut ready = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut ready,
    )
    .unwrap();
    ready
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in «{ready}»"))
        .to_string()
}

/// Submits the login form of the server at `addr`: the answer's head.
pub(crate) fn log_in(addr: &str, login: &str, password: &str) -> String {
    let (head, _) = http(addr, &request("GET", "/login", "", FORM, b""));
    let token = set_cookie(&head, "tsos_login");
    let password: String = password.bytes().map(|b| format!("%{b:02X}")).collect();
    let form = format!("csrf={token}&login={login}&password={password}&next=%2F");
    let (head, _) = http(
        addr,
        &request(
            "POST",
            "/login",
            &format!("tsos_login={token}"),
            FORM,
            form.as_bytes(),
        ),
    );
    head
}

/// The type of a form's body.
pub(crate) const FORM: &str = "application/x-www-form-urlencoded";

/// The import form's upload of `file` named `name` as `dataset` at 01.10.2023: the content
/// type and the body.
pub(crate) fn import_upload(
    csrf: &str,
    dataset: &str,
    name: &str,
    file: &[u8],
) -> (String, Vec<u8>) {
    let boundary = "tsos-upload";
    let mut body = Vec::new();
    for (field, value) in [
        ("csrf", csrf),
        ("dataset", dataset),
        ("as_of", "2023-10-01"),
    ] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The token of the upload a preview page awaits confirmation for.
pub(crate) fn upload_token(page: &str) -> String {
    let marker = r#"name="token" value=""#;
    let start = page
        .find(marker)
        .unwrap_or_else(|| panic!("an upload awaiting confirmation: {page}"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

/// One HTTP/1.1 exchange over a fresh connection: the response's head and body.
pub(crate) fn http(addr: &str, request: &[u8]) -> (String, String) {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.write_all(request).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (head.to_string(), body.to_string())
}

pub(crate) fn request(
    method: &str,
    path: &str,
    cookie: &str,
    content_type: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut bytes = format!(
        "{method} {path} HTTP/1.1\r\nHost: tsos\r\nConnection: close\r\nCookie: {cookie}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// The value a response's head sets for the cookie `name`.
pub(crate) fn set_cookie(head: &str, name: &str) -> String {
    head.lines()
        .filter_map(|line| line.strip_prefix("set-cookie: "))
        .filter_map(|cookie| cookie.split(';').next()?.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
        .unwrap_or_else(|| panic!("no cookie {name} in\n{head}"))
}

pub(crate) fn csrf_in(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = html.find(marker).expect("a form with a CSRF token") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// Files and folders under `dir`.
fn entries(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            1 + if path.is_dir() { entries(&path) } else { 0 }
        })
        .sum()
}

/// `tsos serve` stops on SIGTERM with status 0, after deleting its folder of uploads with an
/// upload still awaiting confirmation in it.
#[test]
fn serve_stops_on_sigterm_and_deletes_its_uploads() {
    let dir = Dir::new();
    dir.one_school(57, 640);
    let password = "пароль-администратора";
    dir.tsos(&[
        "user",
        "add",
        "admin",
        "--role",
        "admin",
        "--password",
        password,
    ])
    .ok();
    let uploads = dir.path("uploads");
    std::fs::create_dir(&uploads).unwrap();
    let mut child = dir
        .command()
        .args(["serve", "--addr", "127.0.0.1:0", "--upload-dir"])
        .arg(&uploads)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = served_address(&mut child);

    let head = log_in(&addr, "admin", password);
    assert!(head.starts_with("HTTP/1.1 303"), "{head}");
    let cookie = format!("tsos_session={}", set_cookie(&head, "tsos_session"));
    let (_, page) = http(&addr, &request("GET", "/import", &cookie, FORM, b""));
    let csrf = csrf_in(&page);

    let registry = std::fs::read(dir.path("registry.csv")).unwrap();
    let (content_type, body) = import_upload(&csrf, "registry", "registry.csv", &registry);
    let (head, page) = http(
        &addr,
        &request("POST", "/import/preview", &cookie, &content_type, &body),
    );
    assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{page}");
    assert!(
        page.contains("name=\"token\""),
        "awaits confirmation: {page}"
    );
    assert!(entries(&uploads) >= 3, "folder, token folder and file");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("tsos serve did not stop within 30 s of SIGTERM");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut log = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
    assert!(status.success(), "{status}: {log}");
    assert_eq!(entries(&uploads), 0, "the uploads are gone: {log}");
    assert!(log.contains("остановка"), "{log}");
}
