//! The letters of the monitoring: `tsos letter` writes and registers one, `tsos followup`
//! checks whether the schools it named did what it asked.

use std::path::Path;

use anyhow::Context;
use tsos_app::letters::LetterRequest;
use tsos_app::today;
use tsos_letter::{Addressees, LetterSettings};

use super::Globals;
use crate::cli::{AddresseesArg, FollowupArgs, LetterArgs, ListFormat};
use crate::{outputs, summary};

pub(super) fn letter(globals: &Globals, args: LetterArgs) -> anyhow::Result<()> {
    if args.print_template {
        print!("{}", tsos_letter::DEFAULT_TEMPLATE);
        return Ok(());
    }
    if args.print_notice_template {
        print!("{}", tsos_letter::DEFAULT_NOTICE_TEMPLATE);
        return Ok(());
    }
    let deadline = args.deadline.context("укажите срок: --deadline ДАТА")?;
    let mut store = globals.open_store()?;
    let as_of = args.as_of.or_latest(&store)?;
    let template = match &args.template {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("не удалось прочитать шаблон {}", path.display()))?,
        None => tsos_letter::DEFAULT_TEMPLATE.to_string(),
    };
    let path = args
        .settings
        .or_else(|| globals.settings.letter_settings.clone());
    let settings = letter_settings(path.as_deref(), globals.quiet)?;
    let outcome = tsos_app::letters::write_letter(
        &mut store,
        &globals.catalogue,
        &LetterRequest {
            as_of,
            deadline,
            date: args.date.unwrap_or_else(today),
            to: match args.to {
                AddresseesArg::Schools => Addressees::Schools,
                AddresseesArg::Municipality => Addressees::Municipalities,
            },
            template: &template,
            settings: &settings,
            notices: args.notices,
            out_dir: &args.out,
        },
    )?;
    print!("{}", summary::letter(&outcome));
    Ok(())
}

/// The requisites of letters: the file named (by `--settings`, its variable or the settings
/// file), else `tsos-letter.toml` here, else defaults.
fn letter_settings(path: Option<&Path>, quiet: bool) -> anyhow::Result<LetterSettings> {
    let default_path = Path::new("tsos-letter.toml");
    let path = match path {
        Some(path) => path,
        None if default_path.exists() => default_path,
        None => {
            if !quiet {
                eprintln!(
                    "Реквизиты письма не заданы (tsos-letter.toml или --settings): использованы значения по умолчанию."
                );
            }
            return Ok(LetterSettings::default());
        }
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("не удалось прочитать {}", path.display()))?;
    LetterSettings::from_toml(&text).with_context(|| path.display().to_string())
}

pub(super) fn followup(globals: &Globals, args: FollowupArgs) -> anyhow::Result<()> {
    let store = globals.open_store()?;
    if args.list {
        print!("{}", summary::letters_table(&store.letters()?));
        return Ok(());
    }
    let followup = tsos_app::letters::followup(&store, &globals.catalogue, args.letter)?;
    print!(
        "{}",
        match args.format {
            ListFormat::Table => summary::followup_table(&followup, &globals.catalogue),
            ListFormat::Json => outputs::followup_json(&followup),
        }
    );
    Ok(())
}
