//! `tsos targets`: the targets of the indicators and the tolerance band, one function per
//! action.

use std::path::Path;

use anyhow::{Context, bail};
use tsos_domain::{IndicatorId, Target};
use tsos_store::Store;

use super::{Globals, level_of};
use crate::cli::{LevelArg, TargetsAction};
use crate::summary;

pub(super) fn targets(globals: &Globals, action: TargetsAction) -> anyhow::Result<()> {
    let mut store = globals.open_store()?;
    match action {
        TargetsAction::Set {
            indicator,
            value,
            from,
            level,
        } => set(globals, &mut store, &indicator, &value, from, level),
        TargetsAction::List => list(globals, &store),
        TargetsAction::Load { file } => load(globals, &mut store, &file),
        TargetsAction::Remove { id } => remove(&mut store, id),
        TargetsAction::Band { pp } => band(&mut store, pp),
    }
}

fn set(
    globals: &Globals,
    store: &mut Store,
    indicator: &str,
    value: &str,
    from: jiff::civil::Date,
    level: Option<LevelArg>,
) -> anyhow::Result<()> {
    let indicator = globals.checked_indicator(indicator)?;
    let target = Target {
        value: indicator.parse_value(value)?,
        indicator,
        level: level.map(level_of),
        from,
    };
    warn_unknown_count(globals, store, &target.indicator)?;
    let id = store.set_target(&target)?;
    println!(
        "Цель №{id}: {}",
        tsos_report::labels::target_line(&target, &globals.catalogue)
    );
    Ok(())
}

/// A target on a count no snapshot of the platform gives is kept (the count may come with the
/// next file), but a misspelt name would never match: says so, with the names there are.
fn warn_unknown_count(
    globals: &Globals,
    store: &Store,
    indicator: &IndicatorId,
) -> anyhow::Result<()> {
    let IndicatorId::Rate {
        platform, count, ..
    } = indicator
    else {
        return Ok(());
    };
    let names = store.count_names(platform)?;
    if names.contains(count) {
        return Ok(());
    }
    let platform_name = globals
        .catalogue
        .get(platform)
        .map_or(platform.as_str(), |p| p.name.as_str());
    eprintln!(
        "Внимание: в загруженных срезах платформы {platform_name} нет счетчика «{count}»; цель сохраняется и подействует, когда он появится. {}",
        if names.is_empty() {
            "Счетчиков у платформы пока нет.".to_string()
        } else {
            format!("Есть: {}.", names.join(", "))
        }
    );
    Ok(())
}

fn list(globals: &Globals, store: &Store) -> anyhow::Result<()> {
    print!(
        "{}",
        summary::targets_table(&store.targets()?, &store.target_book()?, &globals.catalogue)
    );
    Ok(())
}

/// Every target of the file is checked before any is stored.
fn load(globals: &Globals, store: &mut Store, file: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("не удалось прочитать {}", file.display()))?;
    let (targets, band) = tsos_domain::targets::parse_toml(&text)
        .with_context(|| format!("файл целей {}", file.display()))?;
    for target in &targets {
        globals.checked_indicator(&target.indicator.to_string())?;
        warn_unknown_count(globals, store, &target.indicator)?;
    }
    for target in &targets {
        store.set_target(target)?;
    }
    if let Some(band) = band {
        store.set_yellow_band(checked_band(band)?)?;
    }
    println!(
        "Загружено целей: {}{}",
        targets.len(),
        band.map(|b| format!("; полоса допуска {b} п.п."))
            .unwrap_or_default()
    );
    Ok(())
}

fn remove(store: &mut Store, id: i64) -> anyhow::Result<()> {
    store.remove_target(id)?;
    println!("Цель №{id} удалена.");
    Ok(())
}

fn band(store: &mut Store, pp: f64) -> anyhow::Result<()> {
    store.set_yellow_band(checked_band(pp)?)?;
    println!("Полоса допуска: {pp} п.п. ниже цели — «близко к цели».");
    Ok(())
}

fn checked_band(pp: f64) -> anyhow::Result<f64> {
    if !(0.0..=100.0).contains(&pp) {
        bail!("полоса допуска — от 0 до 100 п.п., а не {pp}");
    }
    Ok(pp)
}
