//! The web dashboard's commands: `tsos user add` and the end of `tsos demo`. The server itself
//! is tested in `tsos-web` without sockets.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::util::{Dir, Run};

/// `tsos user add …` with `input` on standard input, as a script would pipe a password.
fn user_add(dir: &Dir, args: &[&str], input: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tsos"))
        .arg("--db")
        .arg(dir.db())
        .args(["user", "add"])
        .args(args)
        .current_dir(dir.dir.path())
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
