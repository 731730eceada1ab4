//! One function per command; each opens what it needs and prints what the user asked for.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use tsos_app::import::{ImportRequest, import_file};
use tsos_app::report::build_report;
use tsos_app::today;
use tsos_domain::targets::parse_value;
use tsos_domain::{Catalogue, IndicatorId, Level, Target, format_date_ru};
use tsos_report::json::Layout;
use tsos_report::ru;
use tsos_store::Store;
use tsos_web::WebConfig;

use tsos_ingest::header::{Mapping, MappingSource};

use crate::cli::{
    AddresseesArg, AtRiskFormat, ChatsAction, Cli, Command, FormatArg, LevelArg, ListFormat,
    ProfilesAction, ScaleArg, SnapshotsAction, TargetsAction,
};
use crate::progress::ImportProgress;
use crate::{outputs, summary};

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
            replace,
            map,
            matches,
        } => {
            let mut store = open_store(&db_path(cli.db))?;
            let mapping = Mapping {
                entries: map,
                source: MappingSource::Given,
            };
            let bar = ImportProgress::new(&file, quiet);
            let update = |bytes, rows| {
                if let Some(bar) = &bar {
                    bar.update(bytes, rows);
                }
            };
            let outcome = import_file(
                &mut store,
                &catalogue,
                &ImportRequest {
                    dataset: &dataset,
                    path: &file,
                    as_of: as_of.of_file(),
                    skip_invalid,
                    sheet: sheet.as_deref(),
                    progress: bar.as_ref().map(|_| &update as &(dyn Fn(u64, u64) + Sync)),
                    replace,
                    mapping: Some(&mapping),
                    name_matches: &matches,
                    sample: 0,
                },
            );
            if let Some(bar) = bar {
                bar.finish();
            }
            let outcome = outcome?;
            if !quiet {
                print!("{}", summary::import(&outcome, &catalogue));
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
            let as_of = as_of.or_latest(&store)?;
            // Built only for the formats that show one level.
            let report = || build_report(&store, &catalogue, as_of, level_of(level));
            match format {
                FormatArg::Xlsx => {
                    let out =
                        out.context("для --format xlsx укажите файл: --out приложение.xlsx")?;
                    // The appendix has every level, whatever --level says.
                    let reports = tsos_app::report::build_all_levels(&store, &catalogue, as_of)?;
                    let bytes = tsos_report::xlsx::to_bytes(&reports)
                        .context("не удалось сформировать XLSX")?;
                    write_output(Some(&out), &bytes, quiet)
                }
                FormatArg::Json => write_json(&report()?, out.as_deref(), quiet),
                FormatArg::Table => {
                    let table = tsos_report::table::render(&report()?);
                    write_output(out.as_deref(), table.as_bytes(), quiet)
                }
                FormatArg::Csv => write_output(
                    out.as_deref(),
                    &tsos_report::csv::to_bytes(&report()?),
                    quiet,
                ),
            }
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
                        ListFormat::Json => outputs::snapshots_json(&snapshots),
                    };
                    print!("{text}");
                }
            }
            Ok(())
        }
        Command::Profiles { action } => {
            let mut store = open_store(&db_path(cli.db))?;
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
        Command::Targets { action } => {
            let mut store = open_store(&db_path(cli.db))?;
            targets(&mut store, &catalogue, action)
        }
        Command::Lagging {
            as_of,
            indicator,
            municipality,
            format,
        } => {
            let store = open_store(&db_path(cli.db))?;
            let as_of = as_of.or_latest(&store)?;
            let indicator = indicator
                .as_deref()
                .map(|text| checked_indicator(text, &catalogue))
                .transpose()?;
            let report = build_report(&store, &catalogue, as_of, Level::School)?;
            if let Some(municipality) = &municipality
                && !report
                    .rows
                    .iter()
                    .any(|row| &row.municipality == municipality)
            {
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
            let lagging = tsos_domain::indicators::lagging(
                &report,
                indicator.as_ref(),
                municipality.as_deref(),
            );
            print!(
                "{}",
                match format {
                    ListFormat::Table => summary::lagging_table(&report, &lagging),
                    ListFormat::Json => tsos_report::lists::lagging_json(&report, &lagging),
                }
            );
            Ok(())
        }
        Command::Quality { as_of, format } => {
            let store = open_store(&db_path(cli.db))?;
            let as_of = as_of.or_latest(&store)?;
            let quality = tsos_app::quality::build_quality(&store, &catalogue, as_of)?;
            print!(
                "{}",
                match format {
                    ListFormat::Table => summary::quality_table(&quality, &catalogue),
                    ListFormat::Json => tsos_report::lists::quality_json(
                        quality.as_of,
                        &quality.findings,
                        &quality.names
                    ),
                }
            );
            Ok(())
        }
        Command::AtRisk {
            file,
            school,
            platform,
            as_of,
            days,
            format,
            out,
            sheet,
        } => {
            let list = tsos_app::at_risk::at_risk(
                &catalogue,
                &tsos_app::at_risk::AtRiskRequest {
                    platform: &platform,
                    path: &file,
                    school: &school,
                    as_of: as_of.of_file(),
                    horizon_days: days,
                    sheet: sheet.as_deref(),
                },
            )?;
            let bytes = match format {
                AtRiskFormat::Table => summary::at_risk_table(&list).into_bytes(),
                AtRiskFormat::Csv => outputs::at_risk_csv(&list),
                AtRiskFormat::Xlsx => {
                    if out.is_none() {
                        bail!("для --format xlsx укажите файл: --out список.xlsx");
                    }
                    outputs::at_risk_xlsx(&list)?
                }
            };
            write_output(out.as_deref(), &bytes, quiet)
        }
        Command::Letter {
            as_of,
            deadline,
            to,
            template,
            settings,
            date,
            notices,
            out,
            print_template,
        } => {
            if print_template {
                print!("{}", tsos_letter::DEFAULT_TEMPLATE);
                return Ok(());
            }
            let deadline = deadline.context("укажите срок: --deadline ДАТА")?;
            let mut store = open_store(&db_path(cli.db))?;
            let as_of = as_of.or_latest(&store)?;
            let template = match &template {
                Some(path) => std::fs::read_to_string(path)
                    .with_context(|| format!("не удалось прочитать шаблон {}", path.display()))?,
                None => tsos_letter::DEFAULT_TEMPLATE.to_string(),
            };
            let settings = letter_settings(settings.as_deref(), quiet)?;
            let outcome = tsos_app::letters::write_letter(
                &mut store,
                &catalogue,
                &tsos_app::letters::LetterRequest {
                    as_of,
                    deadline,
                    date: date.unwrap_or_else(today),
                    to: match to {
                        AddresseesArg::Schools => tsos_letter::Addressees::Schools,
                        AddresseesArg::Municipality => tsos_letter::Addressees::Municipalities,
                    },
                    template: &template,
                    settings: &settings,
                    notices,
                    out_dir: &out,
                },
            )?;
            print!("{}", summary::letter(&outcome));
            Ok(())
        }
        Command::Chats { action } => chats(cli.db, action, quiet),
        Command::Followup {
            letter,
            list,
            format,
        } => {
            let store = open_store(&db_path(cli.db))?;
            if list {
                print!("{}", summary::letters_table(&store.letters()?));
                return Ok(());
            }
            let followup = tsos_app::letters::followup(&store, &catalogue, letter)?;
            print!(
                "{}",
                match format {
                    ListFormat::Table => summary::followup_table(&followup, &catalogue),
                    ListFormat::Json => outputs::followup_json(&followup),
                }
            );
            Ok(())
        }
        Command::Demo {
            out,
            schools,
            seed,
            scale: Some(scale),
            scattered,
            quoted,
            ..
        } => {
            if schools != 300 {
                bail!("--schools не сочетается с --scale: размер задает сам масштаб");
            }
            demo_scale(&out, scale, seed, scattered, quoted)
        }
        Command::Demo {
            out,
            schools,
            seed,
            scale: None,
            no_serve,
            ..
        } => {
            let owns_db = cli.db.is_none();
            let db = demo(cli.db, &catalogue, &out, schools, seed, quiet)?;
            crate::web_commands::after_demo(&db, &catalogue, owns_db, no_serve)
        }
        Command::Serve {
            addr,
            max_upload_mb,
            upload_dir,
        } => {
            let mut config = WebConfig::new(db_path(cli.db), catalogue);
            config.max_upload_mb = max_upload_mb;
            config.upload_dir = upload_dir;
            crate::web_commands::serve(config, addr)
        }
        Command::User {
            action:
                crate::cli::UserAction::Add {
                    login,
                    role,
                    scope,
                    password,
                },
        } => crate::web_commands::user_add(&db_path(cli.db), &login, role, scope, password),
    }
}

fn demo(
    db: Option<PathBuf>,
    catalogue: &Catalogue,
    out: &Path,
    schools: usize,
    seed: Option<u64>,
    quiet: bool,
) -> anyhow::Result<PathBuf> {
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
                progress: None,
                replace: false,
                mapping: None,
                name_matches: &[],
                sample: 0,
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
    // The schools' registry of official chats and their lists of classes, as of the last
    // export, each imported as the file a school or authority would send.
    let files = tsos_demo::chats::chat_files(&store.schools_at(last)?, last, options.seed);
    for (name, text, what) in [
        ("chats.csv", files.chats, "реестра чатов"),
        ("classes.csv", files.classes, "списков классов"),
    ] {
        let path = out.join(name);
        std::fs::write(&path, text)
            .with_context(|| format!("не удалось записать {}", path.display()))?;
        tsos_app::chats::import_chats(&mut store, &path, None, None)
            .with_context(|| format!("импорт демо-{what}"))?;
    }
    let rows = tsos_app::chats::chat_report(&store, last, None, Level::Region)?;
    println!();
    print!(
        "{}",
        tsos_report::chats::table(&rows, Level::Region, last, None)
    );
    let db_arg = db.display();
    println!(
        "\nГотово за {:.1} с. Файлы: {}; база: {}.\nДальше, например:\n  \
         tsos --db {db_arg} report --as-of {} --level school\n  \
         tsos --db {db_arg} report --as-of {} --format json --out отчет.json\n  \
         tsos --db {db_arg} snapshots\n  \
         tsos --db {db_arg} chats report --as-of {} --deadline 20.10.2023 --level municipality",
        started.elapsed().as_secs_f64(),
        out.display(),
        db.display(),
        last,
        last,
        last,
    );
    Ok(db)
}

fn targets(store: &mut Store, catalogue: &Catalogue, action: TargetsAction) -> anyhow::Result<()> {
    match action {
        TargetsAction::Set {
            indicator,
            value,
            from,
            level,
        } => {
            let target = Target {
                indicator: checked_indicator(&indicator, catalogue)?,
                level: level.map(level_of),
                from,
                value: parse_value(&value)?,
            };
            let id = store.set_target(&target)?;
            println!("Цель №{id}: {}", summary::target_line(&target));
        }
        TargetsAction::List => print!(
            "{}",
            summary::targets_table(&store.targets()?, &store.target_book()?)
        ),
        TargetsAction::Load { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("не удалось прочитать {}", file.display()))?;
            let (targets, band) = tsos_domain::targets::parse_toml(&text)
                .with_context(|| format!("файл целей {}", file.display()))?;
            for target in &targets {
                checked_indicator(&target.indicator.to_string(), catalogue)?;
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
        }
        TargetsAction::Remove { id } => {
            store.remove_target(id)?;
            println!("Цель №{id} удалена.");
        }
        TargetsAction::Band { pp } => {
            store.set_yellow_band(checked_band(pp)?)?;
            println!("Полоса допуска: {pp} п.п. ниже цели — «близко к цели».");
        }
    }
    Ok(())
}

fn checked_band(pp: f64) -> anyhow::Result<f64> {
    if !(0.0..=100.0).contains(&pp) {
        bail!("полоса допуска — от 0 до 100 п.п., а не {pp}");
    }
    Ok(pp)
}

/// An indicator whose platform the catalogue knows.
fn checked_indicator(text: &str, catalogue: &Catalogue) -> anyhow::Result<IndicatorId> {
    let indicator = IndicatorId::parse(text)?;
    if catalogue.get(&indicator.platform).is_none() {
        bail!(
            "неизвестная платформа «{}» в показателе «{text}»; есть: {}",
            indicator.platform,
            catalogue.codes().join(", ")
        );
    }
    Ok(indicator)
}

/// Writes the large inputs of the benchmark (`bench/run.sh`) and says where they are.
fn demo_scale(
    out: &Path,
    scale: ScaleArg,
    seed: Option<u64>,
    scattered: bool,
    quoted: bool,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let seed = seed.unwrap_or(tsos_demo::DemoOptions::default().seed);
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

fn chats(db: Option<PathBuf>, action: ChatsAction, quiet: bool) -> anyhow::Result<()> {
    match action {
        ChatsAction::Template { out } => {
            let store = open_store(&db_path(db))?;
            let example = store
                .schools_at(today())?
                .first()
                .map(|s| s.id.to_string())
                .unwrap_or_else(|| "0512345678".into());
            let bytes =
                tsos_report::chats::template(&example).context("не удалось сформировать шаблон")?;
            write_output(Some(&out), &bytes, quiet)
        }
        ChatsAction::Import { file, as_of, sheet } => {
            let mut store = open_store(&db_path(db))?;
            let outcome = tsos_app::chats::import_chats(
                &mut store,
                &file,
                as_of.of_file(),
                sheet.as_deref(),
            )?;
            if !quiet {
                print!("{}", summary::chats_import(&outcome));
            }
            Ok(())
        }
        ChatsAction::Report {
            as_of,
            deadline,
            level,
            format,
            out,
        } => {
            let store = open_store(&db_path(db))?;
            let as_of = as_of.or_today();
            let level = level_of(level);
            let rows = tsos_app::chats::chat_report(&store, as_of, deadline, level)?;
            match format {
                FormatArg::Table => {
                    let text = tsos_report::chats::table(&rows, level, as_of, deadline);
                    write_output(out.as_deref(), text.as_bytes(), quiet)
                }
                FormatArg::Csv => write_output(
                    out.as_deref(),
                    &tsos_report::chats::csv(&rows, level),
                    quiet,
                ),
                FormatArg::Json => {
                    let value = tsos_report::chats::json(&rows, level, as_of, deadline);
                    let text = tsos_report::json::pretty(&value);
                    write_output(out.as_deref(), text.as_bytes(), quiet)
                }
                FormatArg::Xlsx => {
                    let out = out.context("для --format xlsx укажите файл: --out чаты.xlsx")?;
                    let bytes = tsos_report::chats::xlsx(&rows, level, as_of)
                        .context("не удалось сформировать XLSX")?;
                    write_output(Some(&out), &bytes, quiet)
                }
            }
        }
    }
}

/// The requisites of letters: the file named, else `tsos-letter.toml` here, else defaults.
fn letter_settings(
    path: Option<&Path>,
    quiet: bool,
) -> anyhow::Result<tsos_letter::LetterSettings> {
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
            return Ok(tsos_letter::LetterSettings::default());
        }
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("не удалось прочитать {}", path.display()))?;
    tsos_letter::LetterSettings::from_toml(&text).with_context(|| path.display().to_string())
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

fn level_of(level: LevelArg) -> Level {
    match level {
        LevelArg::School => Level::School,
        LevelArg::Municipality => Level::Municipality,
        LevelArg::Region => Level::Region,
    }
}

/// JSON goes to its destination as it is serialised: at 40,000 schools it is tens of MB.
fn write_json(report: &tsos_domain::Report, out: Option<&Path>, quiet: bool) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("не удалось записать {}", path.display()))?;
            tsos_report::json::write(report, file, Layout::Compact)
                .with_context(|| format!("не удалось записать {}", path.display()))?;
            if !quiet {
                eprintln!("Записано: {}", path.display());
            }
        }
        None => {
            let stdout = std::io::stdout();
            let layout = if stdout.is_terminal() {
                Layout::Pretty
            } else {
                Layout::Compact
            };
            tsos_report::json::write(report, stdout.lock(), layout)?
        }
    }
    Ok(())
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
