//! `tsos token add|list|revoke` from outside: the token printed once and alone on stdout, only
//! its hash in the database, and a real `tsos serve` that takes it on the API until it is
//! revoked and never on a page.

use std::io::{Read, Write};

use crate::util::Dir;
use crate::web::Served;

/// One request to `addr` with `Authorization: Bearer {token}`: the status line and the body.
fn get_with_token(addr: &str, path: &str, token: &str) -> (String, String) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: tsos\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (
        head.lines().next().unwrap_or_default().to_string(),
        body.to_string(),
    )
}

#[test]
fn a_token_is_made_once_used_on_the_api_only_and_revoked() {
    let dir = Dir::new();
    dir.one_school(57, 640);
    dir.tsos(&[
        "user",
        "add",
        "BI",
        "--role",
        "school",
        "--scope",
        "0512345678",
        "--password",
        "длинный пароль",
    ])
    .ok();

    let made = dir
        .tsos(&[
            "token",
            "add",
            "--user",
            "bi",
            "--name",
            "Power BI",
            "--expires",
            "90d",
        ])
        .ok();
    let token = made.stdout.trim().to_string();
    assert_eq!(made.stdout.lines().count(), 1, "{}", made.stdout);
    assert!(token.starts_with("tsos_") && token.len() == 69, "{token}");
    assert!(
        made.stderr
            .contains("№1 «Power BI» учетной записи «bi» создан, действует до")
    );
    assert!(made.stderr.contains("показан один раз"), "{}", made.stderr);
    let stored = std::fs::read(dir.db()).unwrap();
    assert!(
        !stored.windows(64).any(|w| w == &token.as_bytes()[5..]),
        "only the hash is stored"
    );
    let listed = dir.tsos(&["token", "list"]).ok().stdout;
    assert!(listed.contains("Power BI") && listed.contains(&format!("{}…", &token[..11])));
    assert!(
        listed.contains("действует") && !listed.contains(&token),
        "{listed}"
    );

    let served = Served::start(&dir);
    let addr = served.addr.clone();
    let (status, body) = get_with_token(&addr, "/api/dates", &token);
    assert!(status.ends_with("200 OK"), "{status}: {body}");
    assert_eq!(body, r#"{"dates":[]}"#);
    let (status, _) = get_with_token(&addr, "/", &token);
    assert!(status.contains("303"), "a page is not the API: {status}");

    let revoked = dir.tsos(&["token", "revoke", "1"]).ok();
    assert!(
        revoked
            .stdout
            .contains("«Power BI» учетной записи «bi» отозван")
    );
    let (status, body) = get_with_token(&addr, "/api/dates", &token);
    assert!(status.contains("401"), "{status}");
    assert!(body.contains("отозван"), "{body}");
    drop(served);

    let again = dir.tsos(&["token", "revoke", "1"]).fails();
    assert!(again.stderr.contains("уже отозван"), "{}", again.stderr);
    assert!(
        dir.tsos(&["token", "list", "--user", "bi"])
            .ok()
            .stdout
            .contains("отозван")
    );
}

#[test]
fn a_token_needs_an_account_a_name_and_a_term_in_days() {
    let dir = Dir::new();
    let nobody = dir
        .tsos(&["token", "add", "--user", "nobody", "--name", "BI"])
        .fails();
    assert!(
        nobody.stderr.contains("учетной записи «nobody» нет"),
        "{}",
        nobody.stderr
    );
    for bad in ["0d", "1y", "99999d"] {
        let run = dir
            .tsos(&[
                "token",
                "add",
                "--user",
                "x",
                "--name",
                "BI",
                "--expires",
                bad,
            ])
            .fails();
        assert!(run.stderr.contains("например 90d"), "{bad}: {}", run.stderr);
    }
    let missing = dir.tsos(&["token", "revoke", "7"]).fails();
    assert!(
        missing.stderr.contains("API-токена №7 нет"),
        "{}",
        missing.stderr
    );
    assert!(
        dir.tsos(&["token", "list"])
            .ok()
            .stdout
            .contains("API-токенов нет")
    );
}
