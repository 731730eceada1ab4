//! `tsos demo`: a year of generated exports imported and summed up, then the dashboard on
//! them; with `--scale`, only the large inputs of the benchmark.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use jiff::civil::Date;
use tsos_app::import::{ImportRequest, import_file};
use tsos_app::report::build_report;
use tsos_demo::{DemoFile, DemoOptions};
use tsos_domain::{Level, format_date_ru};
use tsos_report::ru;
use tsos_store::{DbLocation, Store};

use super::{Globals, open_store, web};
use crate::cli::{DemoArgs, ScaleArg};
use crate::summary;

pub(super) fn demo(globals: &Globals, args: DemoArgs) -> anyhow::Result<()> {
    if let Some(scale) = args.scale {
        if args.schools != 300 {
            bail!("--schools не сочетается с --scale: размер задает сам масштаб");
        }
        return demo_scale(&args.out, scale, args.seed, args.scattered, args.quoted);
    }
    let started = Instant::now();
    let defaults = DemoOptions::default();
    let options = DemoOptions {
        out_dir: args.out.clone(),
        seed: args.seed.unwrap_or(defaults.seed),
        schools: args.schools,
        ..defaults
    };
    let files = tsos_demo::generate(&options).context("не удалось создать файлы демо")?;
    let db = demo_db(globals, &args.out)?;
    let mut store = open_store(&db)?;
    println!(
        "Созданы демонстрационные выгрузки: {} файлов в {}",
        files.len(),
        args.out.display()
    );
    import_exports(globals, &mut store, &db, &files)?;
    let last = files
        .iter()
        .map(|f| f.as_of)
        .max()
        .context("демо не создало ни одного файла")?;
    print_reports(globals, &store, last)?;
    import_chats(&mut store, &args.out, last, options.seed)?;
    print_chats(&store, last)?;
    print_next_steps(&args.out, &db, last, started);
    web::after_demo(&db, &globals.catalogue, globals.db.is_none(), args.no_serve)
}

/// The demo owns its database unless one was named explicitly; a rerun starts afresh.
fn demo_db(globals: &Globals, out: &Path) -> anyhow::Result<DbLocation> {
    if let Some(db) = &globals.db {
        return Ok(db.clone());
    }
    let db = out.join("tsos.db");
    if db.exists() {
        std::fs::remove_file(&db)
            .with_context(|| format!("не удалось удалить старую базу {}", db.display()))?;
    }
    Ok(DbLocation::Sqlite(db))
}

/// Imports the generated registry and exports, a line for each unless quiet.
fn import_exports(
    globals: &Globals,
    store: &mut Store,
    db: &DbLocation,
    files: &[DemoFile],
) -> anyhow::Result<()> {
    // The demo's own database has its key beside it, as any other.
    let flow_key = tsos_app::flow_key::for_database(globals.key_file.as_deref(), db)?;
    for file in files {
        let outcome = import_file(
            store,
            &globals.catalogue,
            &ImportRequest {
                dataset: file.dataset,
                path: &file.path,
                as_of: Some(file.as_of),
                skip_invalid: false,
                sheet: None,
                progress: None,
                replace: false,
                mapping: None,
                name_matches: &[],
                sample: 0,
                flow_key: flow_key.as_ref(),
            },
        )
        .with_context(|| format!("импорт демо-файла {}", file.path.display()))?;
        if !globals.quiet {
            println!("  {}", summary::import_line(&outcome, &file.description));
        }
    }
    Ok(())
}

/// The region's and the municipalities' tables of the last month.
fn print_reports(globals: &Globals, store: &Store, last: Date) -> anyhow::Result<()> {
    for level in [Level::Region, Level::Municipality] {
        let report = build_report(store, &globals.catalogue, last, level)?;
        println!();
        print!("{}", tsos_report::table::render(&report));
    }
    Ok(())
}

/// The schools' registry of official chats and their lists of classes, as of the last export,
/// each imported as the file a school or authority would send.
fn import_chats(store: &mut Store, out: &Path, last: Date, seed: u64) -> anyhow::Result<()> {
    let files = tsos_demo::chats::chat_files(&store.schools_at(last)?, last, seed);
    for (name, text, what) in [
        ("chats.csv", files.chats, "реестра чатов"),
        ("classes.csv", files.classes, "списков классов"),
    ] {
        let path = out.join(name);
        std::fs::write(&path, text)
            .with_context(|| format!("не удалось записать {}", path.display()))?;
        tsos_app::chats::import_chats(store, &path, None, None)
            .with_context(|| format!("импорт демо-{what}"))?;
    }
    Ok(())
}

fn print_chats(store: &Store, last: Date) -> anyhow::Result<()> {
    let rows = tsos_app::chats::chat_report(store, last, None, Level::Region)?;
    println!();
    print!(
        "{}",
        tsos_report::chats::table(
            &rows,
            Level::Region,
            last,
            None,
            &tsos_app::chats::closings(store)?
        )
    );
    Ok(())
}

fn print_next_steps(out: &Path, db: &DbLocation, last: Date, started: Instant) {
    let db_arg = db;
    println!(
        "\nГотово за {:.1} с. Файлы: {}; база: {}.\nДальше, например:\n  \
         tsos --db {db_arg} report --as-of {} --level school\n  \
         tsos --db {db_arg} report --as-of {} --format json --out отчет.json\n  \
         tsos --db {db_arg} snapshots\n  \
         tsos --db {db_arg} chats report --as-of {} --deadline 20.10.2023 --level municipality",
        started.elapsed().as_secs_f64(),
        out.display(),
        db,
        last,
        last,
        last,
    );
}

/// Writes the large inputs of the benchmark (`bench/run.sh`) and says where they are.
fn demo_scale(
    out: &Path,
    scale: ScaleArg,
    seed: Option<u64>,
    scattered: bool,
    quoted: bool,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let seed = seed.unwrap_or(DemoOptions::default().seed);
    let files = tsos_demo::generate_scale(&tsos_demo::ScaleOptions {
        out_dir: out.to_path_buf(),
        seed,
        scale: match scale {
            ScaleArg::Region => tsos_demo::Scale::Region,
            ScaleArg::National => tsos_demo::Scale::National,
        },
    })
    .context("не удалось создать выгрузки")?;
    if scattered || quoted {
        for (path, quote) in [(&files.myschool, quoted), (&files.sferum, false)] {
            if scattered || quote {
                tsos_demo::scatter(path, tsos_demo::Scatter { seed, quote })
                    .context("не удалось переупорядочить выгрузку")?;
            }
        }
    }
    println!(
        "Созданы выгрузки на {} ({} ОО) за {:.1} с:",
        format_date_ru(files.as_of),
        ru::integer(files.schools as u64),
        started.elapsed().as_secs_f64()
    );
    println!("  {}", files.registry.display());
    println!(
        "  {} ({} строк)",
        files.myschool.display(),
        ru::integer(files.myschool_rows)
    );
    println!(
        "  {} ({} строк)",
        files.sferum.display(),
        ru::integer(files.sferum_rows)
    );
    Ok(())
}
