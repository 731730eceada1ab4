//! `tsos notices`: a letter's notices by e-mail (issue 16) — sending them, and the log of every
//! attempt.

use std::path::{Path, PathBuf};

use super::Globals;
use crate::cli::NoticesAction;
use anyhow::{Context, bail};
use tsos_app::notices::{SendLine, SendRequest, SendState, plan_notices, send_notices};
use tsos_domain::{Catalogue, OrgId};
use tsos_letter::{LetterSettings, PASSWORD_VAR};
use tsos_mail::{EmlFolder, Outbox, Sender, Smtp};
use tsos_store::{DbLocation, Store};

/// `tsos notices send|log`.
pub(super) fn notices(globals: &Globals, action: NoticesAction) -> anyhow::Result<()> {
    let db = &globals.db();
    let (catalogue, quiet) = (&globals.catalogue, globals.quiet);
    match action {
        NoticesAction::Send {
            letter,
            dry_run,
            only,
            settings,
        } => send(
            db,
            catalogue,
            letter,
            dry_run,
            &only,
            settings.as_deref(),
            quiet,
        ),
        NoticesAction::Remind {
            letter,
            before,
            dry_run,
            settings,
        } => remind(
            db,
            catalogue,
            letter,
            before,
            dry_run,
            settings.as_deref(),
            quiet,
        ),
        NoticesAction::Log { letter } => {
            let store = Store::connect(db)?;
            let letter = tsos_app::notices::letter(&store, letter)?;
            print!("{}", log_table(&letter, &store.deliveries(letter.id)?));
            Ok(())
        }
    }
}

fn send(
    db: &DbLocation,
    catalogue: &Catalogue,
    letter: i64,
    dry_run: Option<Option<PathBuf>>,
    only: &[OrgId],
    settings_path: Option<&Path>,
    quiet: bool,
) -> anyhow::Result<()> {
    let (settings, settings_name) = load_settings(settings_path, dry_run.is_some(), quiet)?;
    let mut store = Store::connect(db)?;
    // An unknown letter or a school without a notice is said before any server is asked.
    let plan = plan_notices(
        &store,
        catalogue,
        &SendRequest {
            letter,
            settings: &settings,
            only,
        },
    )?;
    let smtp_missing = || {
        format!(
            "нет настроек SMTP: добавьте в {settings_name} таблицу [smtp] (host, port, security, login, from) — см. README"
        )
    };
    let (mut outbox, from): (Box<dyn Outbox>, Sender) = match dry_run {
        Some(dir) => {
            let dir = dir.unwrap_or_else(|| plan.dir().join("eml"));
            let from = match &settings.smtp {
                Some(smtp) => Sender::parse(&smtp.from)?,
                None => {
                    if !quiet {
                        eprintln!(
                            "Отправитель не задан ([smtp] from в {settings_name}): в письмах указан {PLACEHOLDER_FROM}."
                        );
                    }
                    Sender::parse(PLACEHOLDER_FROM)?
                }
            };
            (Box::new(EmlFolder::create(&dir)?), from)
        }
        None => {
            let smtp = settings.smtp.as_ref().with_context(smtp_missing)?;
            let from = Sender::parse(&smtp.from)?;
            let password = std::env::var(PASSWORD_VAR).ok().filter(|p| !p.is_empty());
            (Box::new(Smtp::connect(smtp, password)?), from)
        }
    };
    let outcome = send_notices(&mut store, plan, &from, outbox.as_mut())?;
    print!("{}", summary(&outcome, outbox.delivers()));
    let failed = outcome.count(|s| matches!(s, SendState::Failed(_)));
    if failed > 0 {
        bail!(
            "не отправлено уведомлений: {failed}; повторите команду, когда причина устранена — отправлены будут только они"
        );
    }
    Ok(())
}

/// `tsos notices remind`: the schools that have not replied, reminded once each.
fn remind(
    db: &DbLocation,
    catalogue: &Catalogue,
    letter: i64,
    before: i64,
    dry_run: Option<PathBuf>,
    settings_path: Option<&Path>,
    quiet: bool,
) -> anyhow::Result<()> {
    let (settings, settings_name) = load_settings(settings_path, dry_run.is_some(), quiet)?;
    let mut store = Store::connect(db)?;
    let from_text = settings
        .smtp
        .as_ref()
        .map_or(PLACEHOLDER_FROM, |smtp| smtp.from.as_str());
    let from = Sender::parse(from_text)?;
    let mut outbox: Box<dyn Outbox> = match dry_run {
        Some(dir) => Box::new(EmlFolder::create(&dir)?),
        None => {
            let smtp = settings.smtp.as_ref().with_context(|| {
                format!("нет настроек SMTP: добавьте в {settings_name} таблицу [smtp] — см. README")
            })?;
            let password = std::env::var(PASSWORD_VAR).ok().filter(|p| !p.is_empty());
            Box::new(Smtp::connect(smtp, password)?)
        }
    };
    let request = tsos_app::reminders::RemindRequest {
        letter,
        days: before,
        today: tsos_app::today(),
        settings: &settings,
    };
    let outcome = tsos_app::reminders::send_reminders(
        &mut store,
        catalogue,
        &request,
        &from,
        outbox.as_mut(),
    )?;
    if outcome.lines.is_empty() {
        println!("Все школы, названные письмом, ответили: напоминать некому.");
    }
    for line in &outcome.lines {
        let state = match &line.state {
            SendState::Sent(answer) => format!("напоминание отправлено: {answer}"),
            SendState::Written(path) => format!("записано: {path}"),
            SendState::Failed(reason) => format!("не отправлено: {reason}"),
            SendState::NoAddress => "нет адреса электронной почты в реестре".to_string(),
            SendState::SentBefore(_) => "уже напоминали, не повторялось".to_string(),
        };
        println!("  {}  {}  {}", line.org, line.name, state);
    }
    let failed = outcome
        .lines
        .iter()
        .filter(|l| matches!(l.state, SendState::Failed(_)))
        .count();
    if failed > 0 {
        bail!(
            "не отправлено напоминаний: {failed}; повторите команду — отправлены будут только они"
        );
    }
    Ok(())
}

/// The sender of a dry run's messages where the settings name none: a domain reserved to be
/// no one's (RFC 2606).
const PLACEHOLDER_FROM: &str = "tsos@example.invalid";

/// The settings file named, else `tsos-letter.toml` here; a dry run makes do with the default
/// requisites.
fn load_settings(
    path: Option<&Path>,
    dry_run: bool,
    quiet: bool,
) -> anyhow::Result<(LetterSettings, String)> {
    let default_path = Path::new("tsos-letter.toml");
    let path = match path {
        Some(path) => path,
        None if default_path.exists() => default_path,
        None if dry_run => {
            if !quiet {
                eprintln!(
                    "Реквизиты письма не заданы (tsos-letter.toml или --settings): использованы значения по умолчанию."
                );
            }
            return Ok((LetterSettings::default(), "tsos-letter.toml".into()));
        }
        None => bail!(
            "нет настроек SMTP: файла tsos-letter.toml здесь нет; создайте его с таблицей [smtp] (host, port, security, login, from) или укажите файл: --settings ФАЙЛ"
        ),
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("не удалось прочитать {}", path.display()))?;
    let settings = LetterSettings::from_toml(&text).with_context(|| path.display().to_string())?;
    Ok((settings, path.display().to_string()))
}

/// What a run did, school by school, in groups.
fn summary(outcome: &tsos_app::notices::SendOutcome, delivers: bool) -> String {
    let letter = &outcome.letter;
    let mut out = format!(
        "Письмо № {} от {}: уведомлений школам — {} (файлы: {}).\n",
        letter.number,
        tsos_domain::format_date_ru(letter.date),
        outcome.lines.len(),
        outcome.dir.display()
    );
    let group = |out: &mut String, title: &str, pick: &dyn Fn(&SendState) -> Option<String>| {
        let lines: Vec<(&SendLine, String)> = outcome
            .lines
            .iter()
            .filter_map(|line| pick(&line.state).map(|detail| (line, detail)))
            .collect();
        if lines.is_empty() {
            return;
        }
        out.push_str(&format!("{title} — {}:\n", lines.len()));
        for (line, detail) in lines {
            out.push_str(&format!("  {}  {}", line.org, line.name));
            if !line.address.is_empty() {
                out.push_str(&format!("  {}", line.address));
            }
            if !detail.is_empty() {
                out.push_str(&format!(": {detail}"));
            }
            out.push('\n');
        }
    };
    group(&mut out, "Отправлено", &|s| match s {
        SendState::Sent(_) => Some(String::new()),
        _ => None,
    });
    group(&mut out, "Записано в файлы .eml", &|s| match s {
        SendState::Written(_) => Some(String::new()),
        _ => None,
    });
    group(&mut out, "Не отправлено", &|s| match s {
        SendState::Failed(reason) => Some(reason.clone()),
        _ => None,
    });
    group(
        &mut out,
        "Без адреса электронной почты (добавьте его в реестр: столбец «Электронная почта»)",
        &|s| match s {
            SendState::NoAddress => Some(String::new()),
            _ => None,
        },
    );
    group(
        &mut out,
        "Уже отправлены раньше, не повторялись",
        &|s| match s {
            SendState::SentBefore(at) => Some(moscow_time(at)),
            _ => None,
        },
    );
    let n = |pick: fn(&SendState) -> bool| outcome.count(pick);
    if delivers {
        out.push_str(&format!(
            "Итого: отправлено {}, не отправлено {}, без адреса {}, отправлены раньше {}.\n",
            n(|s| matches!(s, SendState::Sent(_))),
            n(|s| matches!(s, SendState::Failed(_))),
            n(|s| matches!(s, SendState::NoAddress)),
            n(|s| matches!(s, SendState::SentBefore(_))),
        ));
    } else {
        out.push_str(&format!(
            "Пробный запуск: ничего не отправлено, журнал не изменен. Писем .eml: {}, без адреса: {}.\n",
            n(|s| matches!(s, SendState::Written(_))),
            n(|s| matches!(s, SendState::NoAddress)),
        ));
    }
    out
}

/// The log of a letter's notices, oldest attempt first.
fn log_table(letter: &tsos_store::LetterInfo, log: &[tsos_store::Delivery]) -> String {
    let mut out = format!(
        "Журнал отправки уведомлений письма № {} от {}:\n",
        letter.number,
        tsos_domain::format_date_ru(letter.date)
    );
    if log.is_empty() {
        out.push_str("  попыток отправки не было (tsos notices send --letter N)\n");
    }
    for attempt in log {
        out.push_str(&format!(
            "  {}  {}  {}  {}  {}: {}\n",
            moscow_time(&attempt.attempted_at),
            attempt.kind.title_ru(),
            attempt.org,
            if attempt.address.is_empty() {
                "—"
            } else {
                &attempt.address
            },
            attempt.result.title_ru(),
            attempt.answer
        ));
    }
    out
}

/// «12.10.2023 17:05 МСК» from a stored UTC time; the stored text where it is not one.
fn moscow_time(utc: &str) -> String {
    match utc.parse::<jiff::Timestamp>() {
        Ok(at) => jiff::tz::offset(3)
            .to_datetime(at)
            .strftime("%d.%m.%Y %H:%M МСК")
            .to_string(),
        Err(_) => utc.to_string(),
    }
}
