//! The server's log from outside: `tsos serve --log-format json` writes one JSON line per
//! request (method, path, status, time, login) and one per import, and none of them holds the
//! password, the session cookie, the API token or a query.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::Dir;
use crate::web::{csrf_in, http, import_upload, request, served_address, set_cookie, upload_token};

/// `%XX` for every byte: a form value that is safe whatever it holds.
fn encoded(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[test]
fn a_json_line_per_request_and_import_without_a_secret() {
    let dir = Dir::new();
    dir.one_school(57, 640);
    let password = "секретный-пароль-42";
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
    let token = dir
        .tsos(&["token", "add", "--user", "admin", "--name", "BI"])
        .ok()
        .stdout
        .trim()
        .to_string();
    let log_path = dir.path("serve.log");
    let mut child = dir
        .command()
        .args(["serve", "--addr", "127.0.0.1:0", "--log-format", "json"])
        .env_remove("RUST_LOG")
        .env_remove("TSOS_LOG_FORMAT")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let addr = served_address(&mut child);

    // 1. The login form, 2. logging in, 3. the import form.
    let form = "application/x-www-form-urlencoded";
    let (head, _) = http(
        &addr,
        &request("GET", "/login?next=%2Fimport", "", form, b""),
    );
    let login_csrf = set_cookie(&head, "tsos_login");
    let body = format!(
        "csrf={login_csrf}&login=admin&password={}&next=%2Fimport",
        encoded(password)
    );
    let (head, _) = http(
        &addr,
        &request(
            "POST",
            "/login",
            &format!("tsos_login={login_csrf}"),
            form,
            body.as_bytes(),
        ),
    );
    let session = set_cookie(&head, "tsos_session");
    let cookie = format!("tsos_session={session}");
    let (_, page) = http(&addr, &request("GET", "/import", &cookie, form, b""));
    let csrf = csrf_in(&page);

    // 4. The upload's preview, 5. its confirmation.
    let registry = std::fs::read(dir.path("registry.csv")).unwrap();
    let (multipart, body) = import_upload(&csrf, "registry", "реестр.csv", &registry);
    let (_, page) = http(
        &addr,
        &request("POST", "/import/preview", &cookie, &multipart, &body),
    );
    let upload = upload_token(&page);
    let body = format!("csrf={csrf}&token={upload}&replace=1");
    let (head, _) = http(
        &addr,
        &request("POST", "/import/confirm", &cookie, form, body.as_bytes()),
    );
    assert!(
        head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.1 303"),
        "{head}"
    );

    // 6. The API with the token, a query in the address.
    let api = format!(
        "GET /api/dates?as_of=2023-10-01 HTTP/1.1\r\nHost: tsos\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\n\r\n"
    );
    let (head, _) = http(&addr, api.as_bytes());
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "tsos serve did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = std::fs::read_to_string(&log_path).unwrap();

    for secret in [password, &token, &session, &login_csrf, &csrf, &upload] {
        assert!(!log.contains(secret), "«{secret}» in the log:\n{log}");
    }
    assert!(
        !log.contains("next=") && !log.contains("as_of=2023"),
        "a query in the log:\n{log}"
    );
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|err| panic!("{err}: {line}")))
        .collect();
    let requests: Vec<(String, String, u64, String)> = lines
        .iter()
        .filter(|line| line["message"] == "запрос")
        .map(|line| {
            assert!(
                line["ms"].is_u64() && line["timestamp"].is_string(),
                "{line}"
            );
            (
                line["method"].as_str().unwrap().to_string(),
                line["path"].as_str().unwrap().to_string(),
                line["status"].as_u64().unwrap(),
                line["login"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("GET", "/login", "—"),
        ("POST", "/login", "—"),
        ("GET", "/import", "admin"),
        ("POST", "/import/preview", "admin"),
        ("POST", "/import/confirm", "admin"),
        ("GET", "/api/dates", "admin"),
    ];
    assert_eq!(requests.len(), expected.len(), "{requests:?}");
    for ((method, path, status, login), (want_method, want_path, want_login)) in
        requests.iter().zip(expected)
    {
        assert_eq!(
            (method.as_str(), path.as_str(), login.as_str()),
            (want_method, want_path, want_login)
        );
        assert!((200..400).contains(status), "{path}: {status}");
    }
    let import = lines
        .iter()
        .find(|line| line["message"] == "импорт")
        .unwrap_or_else(|| panic!("no import line:\n{log}"));
    assert_eq!(import["file"], "реестр.csv");
    assert_eq!(import["dataset"], "registry");
    assert_eq!(import["rows"], 1);
    assert_eq!(import["sha256"].as_str().unwrap().len(), 64);
    assert!(import["ms"].is_u64(), "{import}");
}
