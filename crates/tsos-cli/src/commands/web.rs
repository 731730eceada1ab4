//! The web dashboard from the command line: `tsos serve`, `tsos user add`, `tsos token`, and
//! the end of `tsos demo`, which serves the demo data.

use std::io::{BufRead, IsTerminal, Write};
use std::net::{Ipv4Addr, SocketAddr};

use anyhow::{Context, bail};
use tracing_subscriber::filter::LevelFilter;
use tsos_domain::Catalogue;
use tsos_store::{DbLocation, Store, UserSaved};
use tsos_web::{AccountRole, WebConfig, WebError};

use super::Globals;
use crate::cli::{AccountRoleArg, LogFormat, ServeArgs, TokenAction, UserAddArgs};
use crate::summary;

/// Where the demo serves; another free port if this one is taken.
const DEMO_PORT: u16 = 8080;
const DEMO_PASSWORD: &str = "demo";
const MIN_PASSWORD: usize = 8;

pub(super) fn serve(globals: &Globals, args: ServeArgs) -> anyhow::Result<()> {
    let db = globals.db();
    let serve = globals.settings.serve(args);
    let mut config = WebConfig::new(db.clone(), globals.catalogue.clone());
    config.max_upload_mb = serve.max_upload_mb;
    config.upload_dir = serve.upload_dir;
    config.key_file = globals.key_file.clone();
    // The notices an administrator sends again go through the letter settings' [smtp], as
    // `tsos notices send` finds them: the settings file's, else tsos-letter.toml here.
    let here = std::path::Path::new("tsos-letter.toml");
    config.letter_settings = globals
        .settings
        .letter_settings
        .clone()
        .or_else(|| here.exists().then(|| here.to_path_buf()));
    let addr = serve.address;
    let store = Store::connect(&db)?;
    if store.web_users()?.is_empty() {
        eprintln!(
            "Учетных записей еще нет; создайте администратора:\n  tsos --db {db} user add admin --role admin"
        );
    }
    drop(store);
    if !addr.ip().is_loopback() {
        eprintln!(
            "внимание: панель доступна из сети по HTTP; для работы вне локальной сети поставьте перед ней HTTPS-прокси"
        );
    }
    init_log(serve.log_level, serve.log_format);
    tsos_web::serve(addr, config, |bound| {
        println!("Веб-панель мониторинга: http://{bound} (база {db}). Остановить: Ctrl+C.");
    })?;
    Ok(())
}

/// The server's log, to stderr: a line per request, import, letter and e-mail, errors with
/// the request they happened in, and the start and stop. `RUST_LOG` changes what is written
/// (`RUST_LOG=debug`); `level` without it. In JSON, each event is one object with its fields
/// at the top level beside `timestamp`, `level` and `message`.
fn init_log(level: LevelFilter, format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::builder()
        .with_default_directive(level.into())
        .from_env_lossy();
    let log = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // Each only fails if a logger is already set, and then that one writes.
    let _ = match format {
        LogFormat::Text => log.try_init(),
        LogFormat::Json => log
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init(),
    };
}

pub(super) fn user_add(globals: &Globals, args: UserAddArgs) -> anyhow::Result<()> {
    let UserAddArgs {
        login,
        role,
        scope,
        password,
    } = args;
    let role = match role {
        AccountRoleArg::Admin => AccountRole::Admin,
        AccountRoleArg::Region => AccountRole::Region,
        AccountRoleArg::Municipality => AccountRole::Municipality,
        AccountRoleArg::School => AccountRole::School,
    };
    let mut store = Store::connect(&globals.db())?;
    let password = match password {
        Some(password) => password,
        None => prompt_password(&login)?,
    };
    if password.chars().count() < MIN_PASSWORD {
        bail!("пароль короче {MIN_PASSWORD} знаков");
    }
    let added = tsos_web::add_user(&mut store, &login, role, scope.as_deref(), &password)?;
    println!(
        "Учетная запись «{}» {}: {}, {}.",
        added.login,
        match added.saved {
            UserSaved::Created => "создана",
            UserSaved::Updated => "обновлена (ее сеансы закрыты)",
        },
        role.title_ru(),
        added.scope
    );
    if let Some(warning) = added.warning {
        eprintln!("внимание: {warning}");
    }
    Ok(())
}

/// `tsos token add|list|revoke`. The token goes to stdout alone, so that a script can take
/// it (`TOKEN=$(tsos token add …)`); what it is goes to stderr.
pub(super) fn token(globals: &Globals, action: TokenAction) -> anyhow::Result<()> {
    let mut store = globals.open_store()?;
    match action {
        TokenAction::Add {
            user,
            name,
            expires,
        } => {
            let added = tsos_web::add_token(&mut store, &user, &name, expires)?;
            eprintln!(
                "API-токен №{} «{}» учетной записи «{}» создан, {}. Он показан один раз: сохраните его сейчас.",
                added.id,
                added.name,
                added.login,
                added.expires_at.map_or_else(
                    || "бессрочный".to_string(),
                    |at| format!("действует до {}", tsos_web::date_ru(at))
                )
            );
            println!("{}", added.token);
        }
        TokenAction::List { user } => {
            let tokens = tsos_web::list_tokens(&store, user.as_deref())?;
            print!("{}", summary::tokens_table(&tokens));
        }
        TokenAction::Revoke { id } => {
            let token = tsos_web::revoke_token(&mut store, id, None)?;
            println!(
                "API-токен №{id} «{}» учетной записи «{}» отозван.",
                token.name, token.login
            );
        }
    }
    Ok(())
}

/// Reads the password from the terminal without echo (twice, to catch a typo), or one line
/// from a pipe. Echo is switched off with `stty`, which every Unix terminal has; where it
/// fails the password is read with echo rather than not at all.
fn prompt_password(login: &str) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("не удалось прочитать пароль")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let read = |prompt: &str| -> anyhow::Result<String> {
        eprint!("{prompt}");
        std::io::stderr().flush()?;
        let silenced = std::process::Command::new("stty")
            .arg("-echo")
            .status()
            .is_ok_and(|s| s.success());
        let mut line = String::new();
        let result = stdin.lock().read_line(&mut line);
        if silenced {
            let _ = std::process::Command::new("stty").arg("echo").status();
            eprintln!();
        }
        result.context("не удалось прочитать пароль")?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    };
    let first = read(&format!("Пароль для «{login}»: "))?;
    let second = read("Повторите пароль: ")?;
    if first != second {
        bail!("пароли не совпадают");
    }
    Ok(first)
}

/// The end of `tsos demo`: demo accounts, then the dashboard on the demo data. It serves only
/// when a person is watching (stdout is a terminal); scripts and CI get the instructions
/// instead, so that they never hang on a server.
pub(super) fn after_demo(
    db: &DbLocation,
    catalogue: &Catalogue,
    owns_db: bool,
    no_serve: bool,
) -> anyhow::Result<()> {
    // A password everybody knows belongs only in a database the demo made itself.
    let logins = if owns_db {
        let mut store = Store::connect(db)?;
        tsos_web::add_user(&mut store, "demo", AccountRole::Admin, None, DEMO_PASSWORD)?;
        let last = store.platform_dates()?.last().copied();
        let school = match last {
            Some(date) => store.schools_at(date)?.into_iter().next(),
            None => None,
        }
        .context("в демо нет ни одной школы")?;
        tsos_web::add_user(
            &mut store,
            "school",
            AccountRole::School,
            Some(school.id.as_str()),
            DEMO_PASSWORD,
        )?;
        format!(
            "  администратор: demo / {DEMO_PASSWORD}\n  школа {} (ИНН {}): school / {DEMO_PASSWORD}",
            school.name, school.id
        )
    } else {
        format!("  создайте учетную запись: tsos --db {db} user add admin --role admin")
    };
    if no_serve || !std::io::stdout().is_terminal() {
        println!(
            "\nВеб-панель: tsos --db {db} serve, затем откройте http://127.0.0.1:{DEMO_PORT}\n{logins}"
        );
        return Ok(());
    }
    let config = || WebConfig::new(db.clone(), catalogue.clone());
    let ready = |bound: SocketAddr| {
        println!(
            "\nВеб-панель мониторинга: http://{bound}\n{logins}\nОстановить: Ctrl+C (без веб-панели: tsos demo --no-serve)."
        );
    };
    init_log(LevelFilter::INFO, LogFormat::Text);
    match tsos_web::serve((Ipv4Addr::LOCALHOST, DEMO_PORT).into(), config(), ready) {
        // Port 8080 is often taken by something else; any free port will do for a demo.
        Err(WebError::Bind { .. }) => {
            tsos_web::serve((Ipv4Addr::LOCALHOST, 0).into(), config(), ready)?;
        }
        other => other?,
    }
    Ok(())
}
