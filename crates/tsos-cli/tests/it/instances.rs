//! Two `tsos serve` over one PostgreSQL behave as one service (issue 14): a session made on
//! one is valid on the other, an import through one shows on the other at its next request
//! (its cached report is dropped), logout on one ends the session on both, and failed logins
//! count across both; 1,000 requests from 16 clients spread over both are all answered, and
//! one killed with SIGKILL mid-run costs only the requests sent to it. A server whose
//! connections the database closed (a restart) answers the next requests without an error.
//! Skipped, with a message, without `TSOS_TEST_PG_URL`.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

use tsos_store::testing::TestDb;

use crate::util::Dir;
use crate::web::{
    FORM, Served, csrf_in, http, import_upload, log_in, request, set_cookie, upload_token,
};

const PASSWORD: &str = "пароль-администратора";

/// The instances of this test are [`Served`]; what the test asks of them is here.
type Server = Served;

impl Served {
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

/// One school with 5 active teachers of «Моя школа» at 01.10.2023, and the admin.
fn one_school_and_admin(dir: &Dir) {
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
}

/// The status of a GET of `path`, or `None` where the server cannot be reached or breaks off
/// the answer: what a balancer sees of an instance that died.
fn status_of(addr: &str, path: &str, cookie: &str) -> Option<u16> {
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream
        .write_all(&request("GET", path, cookie, FORM, b""))
        .ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let head = std::str::from_utf8(response.get(..12)?).ok()?;
    head.strip_prefix("HTTP/1.1 ")?.parse().ok()
}

/// What the dashboard's visitors ask for most: a page, the report, the dates, the probe.
const PATHS: [&str; 4] = [
    "/",
    "/api/report?level=school&as_of=2023-10-01",
    "/api/dates",
    "/healthz",
];

const CLIENTS: usize = 16;
const REQUESTS: usize = 1000;

/// [`REQUESTS`] GETs of [`PATHS`] from [`CLIENTS`] concurrent clients, numbered by `next` and
/// sent to the first instance when even, the second when odd, while `meanwhile` runs on a
/// thread of its own: (number, to the first, status) of each.
fn spread(
    (first, second): (&str, &str),
    cookie: &str,
    next: &AtomicUsize,
    meanwhile: impl FnOnce() + Send,
) -> Vec<(usize, bool, Option<u16>)> {
    std::thread::scope(|scope| {
        scope.spawn(meanwhile);
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                scope.spawn(|| {
                    let mut got = Vec::new();
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        if n >= REQUESTS {
                            return got;
                        }
                        let to_first = n.is_multiple_of(2);
                        let addr = if to_first { first } else { second };
                        got.push((n, to_first, status_of(addr, PATHS[n % PATHS.len()], cookie)));
                    }
                })
            })
            .collect();
        clients
            .into_iter()
            .flat_map(|client| client.join().unwrap())
            .collect()
    })
}

#[test]
fn two_servers_over_one_postgres_are_one_service() {
    let Some(db) = TestDb::postgres() else {
        return;
    };
    let dir = Dir::on(db.location());
    one_school_and_admin(&dir);
    let (a, b) = (Server::start(&dir), Server::start(&dir));

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

#[test]
fn two_servers_answer_a_thousand_requests_and_outlive_a_kill() {
    let Some(db) = TestDb::postgres() else {
        return;
    };
    let dir = Dir::on(db.location());
    one_school_and_admin(&dir);
    let (mut a, b) = (Server::start(&dir), Server::start(&dir));
    let cookie = a.login();

    // 1,000 requests from 16 concurrent clients, each sent to the instances in turn as a
    // round-robin balancer would: every one answered, and answered 200.
    let (a_addr, b_addr) = (a.addr.clone(), b.addr.clone());
    let next = AtomicUsize::new(0);
    let statuses = spread((&a_addr, &b_addr), &cookie, &next, || {});
    assert_eq!(statuses.len(), REQUESTS);
    assert!(
        statuses.iter().all(|(_, _, status)| *status == Some(200)),
        "{statuses:?}"
    );

    // The same load again; after a third of it the first instance is killed with SIGKILL (no
    // graceful shutdown). The second answers every request sent to it, during the kill and
    // after; the first answers nothing once it is gone.
    let next = AtomicUsize::new(0);
    let killed_at = AtomicUsize::new(usize::MAX);
    let child = &mut a.child;
    let results = spread((&a_addr, &b_addr), &cookie, &next, || {
        while next.load(Ordering::Relaxed) < REQUESTS / 3 {
            std::thread::yield_now();
        }
        child.kill().unwrap();
        child.wait().unwrap();
        killed_at.store(next.load(Ordering::Relaxed), Ordering::Relaxed);
    });
    let killed_at = killed_at.load(Ordering::Relaxed);
    assert!(killed_at < REQUESTS, "the first was killed mid-run");
    let to_second: Vec<_> = results.iter().filter(|(_, first, _)| !first).collect();
    assert_eq!(to_second.len(), REQUESTS / 2);
    assert!(
        to_second.iter().all(|(_, _, status)| *status == Some(200)),
        "the second answers everything: {to_second:?}"
    );
    // Requests numbered after the kill was seen were sent to a dead process.
    let after_kill: Vec<_> = results
        .iter()
        .filter(|(n, first, _)| *first && *n > killed_at + CLIENTS)
        .collect();
    assert!(!after_kill.is_empty());
    assert!(
        after_kill.iter().all(|(_, _, status)| status.is_none()),
        "{after_kill:?}"
    );
    // And the service goes on: the session made on the killed instance is valid on the other.
    assert_eq!(b.active_teachers(&cookie), 5);
}

#[test]
fn a_server_reconnects_after_the_database_closed_its_connections() {
    let Some(db) = TestDb::postgres() else {
        return;
    };
    let dir = Dir::on(db.location());
    one_school_and_admin(&dir);
    let server = Server::start(&dir);
    let cookie = server.login();
    assert_eq!(server.active_teachers(&cookie), 5);
    // What a restart of PostgreSQL does to the connections the server keeps idle.
    std::thread::sleep(std::time::Duration::from_millis(1200));
    assert!(db.cut_connections() > 0, "the server kept a connection");
    for path in PATHS {
        assert_eq!(status_of(&server.addr, path, &cookie), Some(200), "{path}");
    }
    assert_eq!(server.active_teachers(&cookie), 5);
}
