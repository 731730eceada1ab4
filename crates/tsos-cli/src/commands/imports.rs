//! The files coming in: `tsos import`, the layouts it saves (`tsos profiles`) and the
//! snapshots it makes (`tsos snapshots`).

use tsos_app::import::{ImportRequest, import_file};
use tsos_domain::format_date_ru;
use tsos_ingest::header::{Mapping, MappingSource};

use super::Globals;
use crate::cli::{ImportArgs, ListFormat, ProfilesAction, SnapshotsAction, SnapshotsArgs};
use crate::progress::ImportProgress;
use crate::{outputs, summary};

pub(super) fn import(globals: &Globals, args: ImportArgs) -> anyhow::Result<()> {
    let mut store = globals.open_store()?;
    let flow_key = globals.flow_key()?;
    let mapping = Mapping {
        entries: args.map,
        source: MappingSource::Given,
    };
    let bar = ImportProgress::new(&args.file, globals.quiet);
    let update = |bytes, rows| {
        if let Some(bar) = &bar {
            bar.update(bytes, rows);
        }
    };
    let outcome = import_file(
        &mut store,
        &globals.catalogue,
        &ImportRequest {
            dataset: &args.dataset,
            path: &args.file,
            as_of: args.as_of.of_file(),
            skip_invalid: args.skip_invalid,
            sheet: args.sheet.as_deref(),
            progress: bar.as_ref().map(|_| &update as &(dyn Fn(u64, u64) + Sync)),
            replace: args.replace,
            mapping: Some(&mapping),
            name_matches: &args.matches,
            sample: 0,
            flow_key: flow_key.as_ref(),
        },
    );
    if let Some(bar) = bar {
        bar.finish();
    }
    let outcome = outcome?;
    if !globals.quiet {
        print!("{}", summary::import(&outcome, &globals.catalogue));
    }
    tsos_app::drop_aside(outcome);
    Ok(())
}

pub(super) fn profiles(globals: &Globals, action: Option<ProfilesAction>) -> anyhow::Result<()> {
    let mut store = globals.open_store()?;
    match action {
        Some(ProfilesAction::Remove { id }) => {
            store.remove_profile(id)?;
            println!(
                "Профиль разметки №{id} удален: файлы с его заголовком снова читаются по словам заголовка."
            );
        }
        Some(ProfilesAction::List) | None => {
            print!("{}", summary::profiles(&store.profiles()?));
        }
    }
    Ok(())
}

pub(super) fn snapshots(globals: &Globals, args: SnapshotsArgs) -> anyhow::Result<()> {
    let mut store = globals.open_store()?;
    match args.action {
        Some(SnapshotsAction::Restore { id }) => {
            let restored = store.restore(id)?;
            println!(
                "Снимок №{id} ({} на {}, {}) снова действующий.",
                restored.dataset,
                format_date_ru(restored.as_of),
                restored.file_name
            );
        }
        None => {
            let snapshots = store.snapshots()?;
            let text = match args.format {
                ListFormat::Table => summary::snapshots_table(&snapshots),
                ListFormat::Json => outputs::snapshots_json(&snapshots),
            };
            print!("{text}");
        }
    }
    Ok(())
}
