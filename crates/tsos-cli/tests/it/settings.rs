//! The settings file from outside: `tsos serve --config FILE` listens where the file says and
//! opens the file's database, unless an environment variable or a flag says otherwise. Each
//! layer gets its own loopback address, so the address a server prints tells which one won.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::Dir;

/// The variables that would override the file, removed so that only the test's count.
const OVERRIDES: [&str; 5] = [
    "TSOS_ADDR",
    "TSOS_DB",
    "TSOS_CONFIG",
    "TSOS_MAX_UPLOAD_MB",
    "TSOS_UPLOAD_DIR",
];

/// A running `tsos serve` and the address it printed.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(config: &Path, env: &[(&str, &str)], args: &[&str]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tsos"));
        command.arg("--config").arg(config).arg("serve").args(args);
        for name in OVERRIDES {
            command.env_remove(name);
        }
        let mut child = command
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        let Some(addr) = ready
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
        else {
            let _ = child.kill();
            let mut log = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut log)
                .unwrap();
            panic!("no address in «{ready}»: {log}");
        };
        Server {
            addr: addr.to_string(),
            child,
        }
    }

    /// The status line of `GET /login`.
    fn login_page(&self) -> String {
        let mut stream = std::net::TcpStream::connect(&self.addr).unwrap();
        stream
            .write_all(b"GET /login HTTP/1.1\r\nHost: tsos\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response.lines().next().unwrap_or_default().to_string()
    }

    fn stop(mut self) {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                self.child.kill().unwrap();
                panic!("tsos serve did not stop within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A port free on `ip` just now.
fn free_port(ip: &str) -> u16 {
    std::net::TcpListener::bind((ip, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn serve_takes_the_file_then_the_variable_then_the_flag() {
    let dir = Dir::new();
    let db = dir.path("из-настроек.db");
    let configured = format!("127.0.0.2:{}", free_port("127.0.0.2"));
    let config = dir.write(
        "tsos.toml",
        format!(
            "address = \"{configured}\"\ndatabase = \"{}\"\nlog_level = \"warn\"\ntime_zone = \"Europe/Moscow\"\n",
            db.display()
        ),
    );

    let server = Server::start(&config, &[], &[]);
    assert_eq!(server.addr, configured);
    assert!(server.login_page().starts_with("HTTP/1.1 200"));
    assert!(db.exists(), "the file's database was opened");
    server.stop();

    let server = Server::start(&config, &[("TSOS_ADDR", "127.0.0.3:0")], &[]);
    assert!(server.addr.starts_with("127.0.0.3:"), "{}", server.addr);
    assert!(server.login_page().starts_with("HTTP/1.1 200"));
    server.stop();

    let server = Server::start(
        &config,
        &[("TSOS_ADDR", "127.0.0.3:0")],
        &["--addr", "127.0.0.4:0"],
    );
    assert!(server.addr.starts_with("127.0.0.4:"), "{}", server.addr);
    assert!(server.login_page().starts_with("HTTP/1.1 200"));
    server.stop();
}

#[test]
fn a_missing_or_wrong_settings_file_stops_every_command() {
    let dir = Dir::new();
    let missing = dir.path("нет.toml");
    let run = dir
        .tsos(&["--config", missing.to_str().unwrap(), "snapshots"])
        .fails();
    assert!(
        run.stderr.contains(&format!(
            "ошибка: файл настроек {}: файл не найден",
            missing.display()
        )),
        "{}",
        run.stderr
    );
    let wrong = dir.write("tsos.toml", "database = \"tsos.db\"\nport = 8080\n");
    let run = dir
        .tsos(&["--config", wrong.to_str().unwrap(), "snapshots"])
        .fails();
    assert!(
        run.stderr
            .contains(", строка 2, ключ «port»: неизвестный ключ; допустимые ключи: address,"),
        "{}",
        run.stderr
    );
}
