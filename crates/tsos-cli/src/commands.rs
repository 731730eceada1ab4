//! One function per command; each opens what it needs and prints what the user asked for.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use jiff::civil::Date;
use tsos_app::import::{ImportRequest, import_file};
use tsos_app::report::build_report;
use tsos_domain::{Catalogue, Level, format_date_ru};
use tsos_store::Store;

use crate::cli::{Cli, Command, FormatArg, LevelArg, ListFormat, SnapshotsAction};
use crate::summary;

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let catalogue = load_catalogue(cli.platforms.as_deref())?;
    let quiet = cli.quiet;
    match cli.command {
        Command::Import {
            dataset,
            file,
            as_of,
            skip_invalid,
            sheet,
        } => {
            let mut store = open_store(&db_path(cli.db))?;
            let outcome = import_file(
                &mut store,
                &catalogue,
                &ImportRequest {
                    dataset: &dataset,
                    path: &file,
                    as_of,
                    skip_invalid,
                    sheet: sheet.as_deref(),
                },
            )?;
            if !quiet {
                print!("{}", summary::import(&outcome));
            }
            Ok(())
        }
        Command::Report {
            as_of,
            level,
            format,
            out,
        } => {
            let store = open_store(&db_path(cli.db))?;
            let as_of = match as_of {
                Some(date) => date,
                None => latest_date(&store)?,
            };
            let report = build_report(&store, &catalogue, as_of, level_of(level))?;
            let bytes = match format {
                FormatArg::Table => tsos_report::table::render(&report).into_bytes(),
                FormatArg::Csv => tsos_report::csv::to_bytes(&report),
                FormatArg::Json => tsos_report::json::to_string(&report).into_bytes(),
            };
            write_output(out.as_deref(), &bytes, quiet)
        }
        Command::Snapshots { action, format } => {
            let mut store = open_store(&db_path(cli.db))?;
            match action {
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
                    let text = match format {
                        ListFormat::Table => summary::snapshots_table(&snapshots),
                        ListFormat::Json => summary::snapshots_json(&snapshots),
                    };
                    print!("{text}");
                }
            }
            Ok(())
        }
        Command::Demo { out, schools, seed } => {
            demo(cli.db, &catalogue, &out, schools, seed, quiet)
        }
    }
}

fn demo(
    db: Option<PathBuf>,
    catalogue: &Catalogue,
    out: &Path,
    schools: usize,
    seed: Option<u64>,
    quiet: bool,
) -> anyhow::Result<()> {
    let defaults = tsos_demo::DemoOptions::default();
    let options = tsos_demo::DemoOptions {
        out_dir: out.to_path_buf(),
        seed: seed.unwrap_or(defaults.seed),
        schools,
        ..defaults
    };
    let started = std::time::Instant::now();
    let files = tsos_demo::generate(&options).context("не удалось создать файлы демо")?;
    // The demo owns its database unless one was named explicitly; a rerun starts afresh.
    let db = match db {
        Some(db) => db,
        None => {
            let db = out.join("tsos.db");
            if db.exists() {
                std::fs::remove_file(&db)
                    .with_context(|| format!("не удалось удалить старую базу {}", db.display()))?;
            }
            db
        }
    };
    let mut store = open_store(&db)?;
    println!(
        "Созданы демонстрационные выгрузки: {} файлов в {}",
        files.len(),
        out.display()
    );
    for file in &files {
        let outcome = import_file(
            &mut store,
            catalogue,
            &ImportRequest {
                dataset: file.dataset,
                path: &file.path,
                as_of: Some(file.as_of),
                skip_invalid: false,
                sheet: None,
            },
        )
        .with_context(|| format!("импорт демо-файла {}", file.path.display()))?;
        if !quiet {
            println!("  {}", summary::import_line(&outcome, &file.description));
        }
    }
    let last = files
        .iter()
        .map(|f| f.as_of)
        .max()
        .context("демо не создало ни одного файла")?;
    let report = build_report(&store, catalogue, last, Level::Region)?;
    println!();
    print!("{}", tsos_report::table::render(&report));
    let report = build_report(&store, catalogue, last, Level::Municipality)?;
    println!();
    print!("{}", tsos_report::table::render(&report));
    let db_arg = db.display();
    println!(
        "\nГотово за {:.1} с. Файлы: {}; база: {}.\nДальше, например:\n  \
         tsos --db {db_arg} report --as-of {} --level school\n  \
         tsos --db {db_arg} report --as-of {} --format json --out отчет.json\n  \
         tsos --db {db_arg} snapshots",
        started.elapsed().as_secs_f64(),
        out.display(),
        db.display(),
        last,
        last,
    );
    Ok(())
}

fn load_catalogue(path: Option<&Path>) -> anyhow::Result<Catalogue> {
    let mut catalogue = Catalogue::builtin();
    if let Some(path) = path {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("не удалось прочитать файл платформ {}", path.display()))?;
        catalogue
            .merge_toml(&text)
            .with_context(|| format!("файл платформ {}", path.display()))?;
    }
    Ok(catalogue)
}

fn db_path(db: Option<PathBuf>) -> PathBuf {
    db.unwrap_or_else(|| PathBuf::from("tsos.db"))
}

fn open_store(path: &Path) -> anyhow::Result<Store> {
    Ok(Store::open(path)?)
}

fn latest_date(store: &Store) -> anyhow::Result<Date> {
    match store.platform_dates()?.last() {
        Some(date) => Ok(*date),
        None => {
            bail!("нет импортированных выгрузок платформ; начните с `tsos import` или `tsos demo`")
        }
    }
}

fn level_of(level: LevelArg) -> Level {
    match level {
        LevelArg::School => Level::School,
        LevelArg::Municipality => Level::Municipality,
        LevelArg::Region => Level::Region,
    }
}

fn write_output(out: Option<&Path>, bytes: &[u8], quiet: bool) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            std::fs::write(path, bytes)
                .with_context(|| format!("не удалось записать {}", path.display()))?;
            if !quiet {
                eprintln!("Записано: {}", path.display());
            }
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes)?;
            stdout.flush()?;
        }
    }
    Ok(())
}
