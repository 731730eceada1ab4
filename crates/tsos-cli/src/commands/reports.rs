//! The figures of a date: `tsos report`, its open-data publication (`tsos publish`) and the
//! lists drawn from it (`tsos lagging`, `tsos quality`), and `tsos at-risk`, read from a file
//! without storing it.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, bail};
use tsos_app::report::{build_all_levels, build_report};
use tsos_domain::indicators::Cutoff;
use tsos_domain::{IndicatorId, Level, Report};
use tsos_report::json::JsonStyle;

use super::{Globals, level_of};
use crate::cli::{
    AtRiskArgs, AtRiskFormat, FlowsArgs, FormatArg, LaggingArgs, ListFormat, PublishArgs,
    QualityArgs, ReportArgs,
};
use crate::{outputs, summary};

pub(super) fn report(globals: &Globals, args: ReportArgs) -> anyhow::Result<()> {
    let store = globals.open_store()?;
    let as_of = args.as_of.or_latest(&store)?;
    let out = args.out.as_deref();
    // Built only for the formats that show one level.
    let report = || build_report(&store, &globals.catalogue, as_of, level_of(args.level));
    match args.format {
        FormatArg::Xlsx => {
            let out = out.context("для --format xlsx укажите файл: --out приложение.xlsx")?;
            // The appendix has every level, whatever --level says.
            let reports = build_all_levels(&store, &globals.catalogue, as_of)?;
            let bytes =
                tsos_report::xlsx::to_bytes(&reports).context("не удалось сформировать XLSX")?;
            globals.write_output(Some(out), &bytes)
        }
        FormatArg::Json => {
            let report = report()?;
            write_json(globals, &report, out)?;
            tsos_app::drop_aside(report);
            Ok(())
        }
        FormatArg::Table => {
            let table = tsos_report::table::render(&report()?);
            globals.write_output(out, table.as_bytes())
        }
        FormatArg::Csv => globals.write_output(out, &tsos_report::csv::to_bytes(&report()?)),
    }
}

/// `tsos publish`: the three levels of a date as a static page with charts and open-data CSV.
pub(super) fn publish(globals: &Globals, args: PublishArgs) -> anyhow::Result<()> {
    let store = globals.open_store()?;
    let as_of = args.as_of.or_latest(&store)?;
    let reports = build_all_levels(&store, &globals.catalogue, as_of)?;
    let creator = args
        .creator
        .unwrap_or_else(|| tsos_report::opendata::default_creator(&reports));
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("не удалось создать папку {}", args.out.display()))?;
    let files = tsos_report::opendata::publication(&reports, tsos_app::today(), &creator);
    for file in &files {
        let path = args.out.join(&file.name);
        std::fs::write(&path, &file.bytes)
            .with_context(|| format!("не удалось записать {}", path.display()))?;
    }
    if !globals.quiet {
        eprintln!(
            "Опубликовано на {}: {} файлов в папке {} (index.html, паспорт meta.csv).",
            tsos_domain::format_date_ru(as_of),
            files.len(),
            args.out.display()
        );
    }
    Ok(())
}

/// JSON goes to its destination as it is serialised: at 40,000 schools it is tens of MB.
/// Indented for a person at a terminal, on one line for files and pipes.
fn write_json(globals: &Globals, report: &Report, out: Option<&Path>) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("не удалось записать {}", path.display()))?;
            tsos_report::json::write(report, file, JsonStyle::Compact)
                .with_context(|| format!("не удалось записать {}", path.display()))?;
            globals.written(path);
        }
        None => {
            let stdout = std::io::stdout();
            let layout = if stdout.is_terminal() {
                JsonStyle::Pretty
            } else {
                JsonStyle::Compact
            };
            tsos_report::json::write(report, stdout.lock(), layout)?
        }
    }
    Ok(())
}

pub(super) fn lagging(globals: &Globals, args: LaggingArgs) -> anyhow::Result<()> {
    let store = globals.open_store()?;
    let as_of = args.as_of.or_latest(&store)?;
    let indicator = args
        .indicator
        .as_deref()
        .map(|text| globals.checked_indicator(text))
        .transpose()?;
    if let Some(rate @ IndicatorId::Rate { .. }) = &indicator {
        bail!(
            "«{rate}» — показатель счетчика; отстающие по счетчикам пока не выводятся, только по долям (платформа.роль)"
        );
    }
    let report = build_report(&store, &globals.catalogue, as_of, Level::School)?;
    if let Some(municipality) = &args.municipality {
        check_municipality(&report, municipality)?;
    }
    let cutoff = args.below.map_or(Cutoff::Target, Cutoff::Below);
    let lagging = tsos_domain::indicators::lagging(
        &report,
        indicator.as_ref(),
        args.municipality.as_deref(),
        cutoff,
    );
    print!(
        "{}",
        match args.format {
            ListFormat::Table => summary::lagging_table(&report, &lagging, cutoff),
            ListFormat::Json => tsos_report::lists::lagging_json(&report, &lagging, cutoff),
        }
    );
    Ok(())
}

/// A municipality of the registry, or an error that names those there are.
fn check_municipality(report: &Report, municipality: &str) -> anyhow::Result<()> {
    if report
        .rows
        .iter()
        .any(|row| row.municipality == municipality)
    {
        return Ok(());
    }
    let mut known: Vec<&str> = report
        .rows
        .iter()
        .map(|row| row.municipality.as_str())
        .collect();
    known.dedup();
    bail!(
        "муниципальное образование «{municipality}» не найдено в реестре; есть: {}",
        known.join(", ")
    );
}

pub(super) fn flows(globals: &Globals, args: FlowsArgs) -> anyhow::Result<()> {
    let store = globals.open_store()?;
    let as_of = args.as_of.or_latest(&store)?;
    let report = build_report(&store, &globals.catalogue, as_of, level_of(args.level))?;
    print!(
        "{}",
        match args.format {
            ListFormat::Table => tsos_report::flows::table(&report),
            ListFormat::Json => tsos_report::flows::json(&report),
        }
    );
    Ok(())
}

pub(super) fn quality(globals: &Globals, args: QualityArgs) -> anyhow::Result<()> {
    let store = globals.open_store()?;
    let as_of = args.as_of.or_latest(&store)?;
    let quality = tsos_app::quality::build_quality(&store, &globals.catalogue, as_of)?;
    print!(
        "{}",
        match args.format {
            ListFormat::Table => summary::quality_table(&quality, &globals.catalogue),
            ListFormat::Json =>
                tsos_report::lists::quality_json(quality.as_of, &quality.findings, &quality.names),
        }
    );
    Ok(())
}

pub(super) fn at_risk(globals: &Globals, args: AtRiskArgs) -> anyhow::Result<()> {
    let list = tsos_app::at_risk::at_risk(
        &globals.catalogue,
        &tsos_app::at_risk::AtRiskRequest {
            platform: &args.platform,
            path: &args.file,
            school: &args.school,
            as_of: args.as_of.of_file(),
            horizon_days: args.days,
            sheet: args.sheet.as_deref(),
        },
    )?;
    let bytes = match args.format {
        AtRiskFormat::Table => summary::at_risk_table(&list).into_bytes(),
        AtRiskFormat::Csv => outputs::at_risk_csv(&list),
        AtRiskFormat::Xlsx => {
            if args.out.is_none() {
                bail!("для --format xlsx укажите файл: --out список.xlsx");
            }
            outputs::at_risk_xlsx(&list)?
        }
    };
    globals.write_output(args.out.as_deref(), &bytes)
}
