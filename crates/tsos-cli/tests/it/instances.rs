//! Two `tsos serve` over one PostgreSQL behave as one service (issue 14): a session made on
//! one is valid on the other, an import through one shows on the other at its next request
//! (its cached report is dropped), logout on one ends the session on both, and failed logins
//! count across both. Skipped, with a message, without `TSOS_TEST_PG_URL`.

use std::process::{Child, Command, Stdio};

use tsos_store::testing::TestDb;

use crate::util::Dir;
use crate::web::{
    FORM, csrf_in, http, import_upload, log_in, request, served_address, set_cookie, upload_token,
};

const PASSWORD: &str = "пароль-администратора";

/// A `tsos serve` on a free port of loopback, killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(dir: &Dir, db: &TestDb) -> Server {
        let tsos_store::DbLocation::Postgres(url) = db.location() else {
            unreachable!("started on PostgreSQL only")
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_tsos"))
            .args(["--db", url, "serve", "--addr", "127.0.0.1:0"])
            .current_dir(dir.dir.path())
            .env_remove("TSOS_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let addr = served_address(&mut child);
        Server { child, addr }
    }

    fn get(&self, path: &str, cookie: &str) -> (String, String) {
        http(&self.addr, &request("GET", path, cookie, FORM, b""))
    }

    fn post(&self, path: &str, cookie: &str, content_type: &str, body: &[u8]) -> (String, String) {
        http(
            &self.addr,
            &request("POST", path, cookie, content_type, body),
        )
    }

    /// Submits the login form: the answer's head.
    fn try_login(&self, login: &str, password: &str) -> String {
        log_in(&self.addr, login, password)
    }

    /// Logs in as the admin: the session's cookie.
    fn login(&self) -> String {
        let head = self.try_login("admin", PASSWORD);
        assert!(head.starts_with("HTTP/1.1 303"), "{head}");
        format!("tsos_session={}", set_cookie(&head, "tsos_session"))
    }

    /// The admin's active teachers of «Моя школа» at 01.10.2023, from the API.
    fn active_teachers(&self, cookie: &str) -> u64 {
        let (head, body) = self.get("/api/report?level=school&as_of=2023-10-01", cookie);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{body}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        json["rows"][0]["myschool"]["teachers"]["active"]
            .as_u64()
            .unwrap_or_else(|| panic!("{body}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An upload of `file` as `dataset` at 01.10.2023 through the page, then its confirmation.
fn import_through(server: &Server, cookie: &str, name: &str, file: &[u8]) {
    let (_, page) = server.get("/import", cookie);
    let csrf = csrf_in(&page);
    let (content_type, body) = import_upload(&csrf, "myschool", name, file);
    let (head, page) = server.post("/import/preview", cookie, &content_type, &body);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{page}");
    let token = upload_token(&page);
    let form = format!("csrf={csrf}&token={token}");
    let (head, page) = server.post("/import/confirm", cookie, FORM, form.as_bytes());
    assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{page}");
}

#[test]
fn two_servers_over_one_postgres_are_one_service() {
    let Some(db) = TestDb::postgres() else {
        return;
    };
    let dir = Dir::on(db.location());
    dir.one_school(10, 100);
    let first = dir.write(
        "first.csv",
        "ИНН;Количество активных педагогов\n0512345678;5\n",
    );
    dir.import("myschool", &first, "2023-10-01").ok();
    dir.tsos(&[
        "user",
        "add",
        "admin",
        "--role",
        "admin",
        "--password",
        PASSWORD,
    ])
    .ok();
    let (a, b) = (Server::start(&dir, &db), Server::start(&dir, &db));

    // A session made on the first is valid on the second.
    let cookie = a.login();
    assert_eq!(
        b.active_teachers(&cookie),
        5,
        "the second builds and caches it"
    );
    assert_eq!(a.active_teachers(&cookie), 5);

    // An import through the first shows on the second at its next request.
    import_through(
        &a,
        &cookie,
        "second.csv",
        "ИНН;Количество активных педагогов\n0512345678;7\n".as_bytes(),
    );
    assert_eq!(
        b.active_teachers(&cookie),
        7,
        "the second's cache is dropped"
    );

    // Logout on the second ends the session on the first too.
    let (_, page) = b.get("/", &cookie);
    let form = format!("csrf={}", csrf_in(&page));
    let (head, _) = b.post("/logout", &cookie, FORM, form.as_bytes());
    assert!(head.starts_with("HTTP/1.1 303"), "{head}");
    let (head, _) = a.get("/api/dates", &cookie);
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
    let (head, _) = a.get("/", &cookie);
    assert!(
        head.starts_with("HTTP/1.1 303"),
        "to the login page: {head}"
    );

    // Failed logins count on both: five wrong passwords spread over the two lock the login
    // on each, the right one included.
    for attempt in 0..5 {
        let server = if attempt % 2 == 0 { &a } else { &b };
        let head = server.try_login("admin", "не тот пароль");
        assert!(
            head.starts_with("HTTP/1.1 401"),
            "attempt {attempt}: {head}"
        );
    }
    for server in [&a, &b] {
        let head = server.try_login("admin", PASSWORD);
        assert!(head.starts_with("HTTP/1.1 429"), "{head}");
    }
}
