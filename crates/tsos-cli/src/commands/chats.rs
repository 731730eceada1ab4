//! `tsos chats`: the template a school fills in, its import, and the chats' figures, one
//! function per action.

use std::path::Path;

use anyhow::Context;
use tsos_app::today;

use super::{Globals, level_of};
use crate::cli::{AsOf, ChatsAction, ChatsClosingArgs, ChatsReportArgs, FormatArg};
use crate::summary;

pub(super) fn chats(globals: &Globals, action: ChatsAction) -> anyhow::Result<()> {
    match action {
        ChatsAction::Template { out } => template(globals, &out),
        ChatsAction::Import { file, as_of, sheet } => {
            import(globals, &file, as_of, sheet.as_deref())
        }
        ChatsAction::Report(args) => report(globals, args),
        ChatsAction::Closing(args) => closing(globals, args),
    }
}

/// Sets, removes or lists the closings of domestic platforms.
fn closing(globals: &Globals, args: ChatsClosingArgs) -> anyhow::Result<()> {
    let mut store = globals.open_store()?;
    let said = match (args.platform.as_deref(), args.from, args.deadline) {
        (Some(code), _, _) if args.remove => {
            tsos_app::chats::remove_closing(&mut store, code)?;
            format!("закрытие платформы {code} отменено\n")
        }
        (Some(code), Some(from), Some(deadline)) => {
            let closing = tsos_app::chats::set_closing(&mut store, code, from, deadline)?;
            format!(
                "{}\n",
                tsos_report::chats::closing_notes(&[closing]).join("")
            )
        }
        (Some(_), _, _) => {
            anyhow::bail!("укажите --from и --deadline, или --remove, чтобы отменить закрытие")
        }
        _ => {
            let notes = tsos_report::chats::closing_notes(&tsos_app::chats::closings(&store)?);
            if notes.is_empty() {
                "закрываемых платформ нет\n".to_string()
            } else {
                notes.iter().map(|n| format!("{n}\n")).collect()
            }
        }
    };
    if !globals.quiet {
        print!("{said}");
    }
    Ok(())
}

/// The example ИНН in the template is the first school of the registry today, if there is one.
fn template(globals: &Globals, out: &Path) -> anyhow::Result<()> {
    let store = globals.open_store()?;
    let example = store
        .schools_at(today())?
        .first()
        .map(|s| s.id.to_string())
        .unwrap_or_else(|| "0512345678".into());
    let bytes = tsos_report::chats::template(&example).context("не удалось сформировать шаблон")?;
    globals.write_output(Some(out), &bytes)
}

fn import(globals: &Globals, file: &Path, as_of: AsOf, sheet: Option<&str>) -> anyhow::Result<()> {
    let mut store = globals.open_store()?;
    let outcome = tsos_app::chats::import_chats(&mut store, file, as_of.of_file(), sheet)?;
    if !globals.quiet {
        print!("{}", summary::chats_import(&outcome));
    }
    Ok(())
}

fn report(globals: &Globals, args: ChatsReportArgs) -> anyhow::Result<()> {
    let store = globals.open_store()?;
    let as_of = args.as_of.or_today();
    let (deadline, out) = (args.deadline, args.out.as_deref());
    let level = level_of(args.level);
    let rows = tsos_app::chats::chat_report(&store, as_of, deadline, level)?;
    let closings = tsos_app::chats::closings(&store)?;
    match args.format {
        FormatArg::Table => {
            let text = tsos_report::chats::table(&rows, level, as_of, deadline, &closings);
            globals.write_output(out, text.as_bytes())
        }
        FormatArg::Csv => globals.write_output(out, &tsos_report::chats::csv(&rows, level)),
        FormatArg::Json => {
            let value = tsos_report::chats::json(&rows, level, as_of, deadline, &closings);
            let text = tsos_report::json::pretty(&value);
            globals.write_output(out, text.as_bytes())
        }
        FormatArg::Xlsx => {
            let out = out.context("для --format xlsx укажите файл: --out чаты.xlsx")?;
            let bytes = tsos_report::chats::xlsx(&rows, level, as_of, &closings)
                .context("не удалось сформировать XLSX")?;
            globals.write_output(Some(out), &bytes)
        }
    }
}
