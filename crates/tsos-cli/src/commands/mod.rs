//! One function per command, named after it, in a module per group of commands; each opens
//! what it needs and prints what the user asked for. What they share is here: the global
//! flags ([`Globals`]) and writing an output to a file or the screen.

mod chats;
mod database;
mod demo;
mod events;
mod generate;
mod imports;
mod letters;
mod notices;
mod reports;
mod targets;
mod web;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use tsos_domain::{Catalogue, IndicatorId, Level};
use tsos_store::{DbLocation, Store};

use crate::cli::{Cli, Command, DbAction, LevelArg, UserAction};
use crate::settings::Settings;

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let mut settings = Settings::load(cli.config.as_deref())?;
    // The demo makes its own database unless one is named on the command line, never the
    // server's that the settings file names.
    let (db, key_file) = match cli.command {
        Command::Demo(_) => (cli.db, cli.key_file),
        _ => (
            cli.db.or(settings.database.take()),
            // The key goes with the database: the server's, from the same file.
            cli.key_file.or(settings.key_file.take()),
        ),
    };
    let globals = Globals {
        catalogue: load_catalogue(cli.platforms.or(settings.platforms.take()).as_deref())?,
        db,
        key_file,
        quiet: cli.quiet,
        settings,
    };
    match cli.command {
        Command::Import(args) => imports::import(&globals, args),
        Command::Profiles { action } => imports::profiles(&globals, action),
        Command::Snapshots(args) => imports::snapshots(&globals, args),
        Command::Report(args) => reports::report(&globals, args),
        Command::Publish(args) => reports::publish(&globals, args),
        Command::Lagging(args) => reports::lagging(&globals, args),
        Command::Quality(args) => reports::quality(&globals, args),
        Command::Flows(args) => reports::flows(&globals, args),
        Command::AtRisk(args) => reports::at_risk(&globals, args),
        Command::Targets { action } => targets::targets(&globals, action),
        Command::Events { action } => events::events(&globals, action),
        Command::Letter(args) => letters::letter(&globals, args),
        Command::Followup(args) => letters::followup(&globals, args),
        Command::Chats { action } => chats::chats(&globals, action),
        Command::Demo(args) => demo::demo(&globals, args),
        Command::Notices { action } => notices::notices(&globals, action),
        Command::Serve(args) => web::serve(&globals, args),
        Command::User {
            action: UserAction::Add(args),
        } => web::user_add(&globals, args),
        Command::Backup { file } => database::backup(&globals, &file),
        Command::Db {
            action: DbAction::Copy { from, to },
        } => database::copy(&globals, &from, &to),
        Command::Token { action } => web::token(&globals, action),
        Command::Generate { what } => generate::generate(what),
    }
}

/// The flags given before the command, which every command may use.
struct Globals {
    /// The platforms: the built-in ones and those of `--platforms` or the settings file.
    catalogue: Catalogue,
    /// `--db` as given, else the settings file's: the demo makes its own database when there
    /// is none.
    db: Option<DbLocation>,
    /// `--key-file` / `$TSOS_KEY_FILE`: the key of the user flows, if named.
    key_file: Option<PathBuf>,
    quiet: bool,
    /// The settings file, for what only some commands use.
    settings: Settings,
}

impl Globals {
    /// `--db`, else the settings file's, else `tsos.db` in the current folder.
    fn db(&self) -> DbLocation {
        self.db
            .clone()
            .unwrap_or_else(|| DbLocation::Sqlite(PathBuf::from("tsos.db")))
    }

    fn open_store(&self) -> anyhow::Result<Store> {
        open_store(&self.db())
    }

    /// The key of the user flows: named, or beside a SQLite database (made there on first
    /// use); `None` for PostgreSQL without `--key-file`.
    fn flow_key(&self) -> anyhow::Result<Option<tsos_ingest::FlowKey>> {
        Ok(tsos_app::flow_key::for_database(
            self.key_file.as_deref(),
            &self.db(),
        )?)
    }

    /// Writes `bytes` to the file `out` names, saying so unless quiet, or to the screen.
    fn write_output(&self, out: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
        match out {
            Some(path) => {
                std::fs::write(path, bytes)
                    .with_context(|| format!("не удалось записать {}", path.display()))?;
                self.written(path);
            }
            None => {
                let mut stdout = std::io::stdout().lock();
                stdout.write_all(bytes)?;
                stdout.flush()?;
            }
        }
        Ok(())
    }

    /// Says on stderr that a file was written, unless quiet.
    fn written(&self, path: &Path) {
        if !self.quiet {
            eprintln!("Записано: {}", path.display());
        }
    }

    /// An indicator whose platform the catalogue knows.
    fn checked_indicator(&self, text: &str) -> anyhow::Result<IndicatorId> {
        Ok(tsos_app::targets::checked_indicator(&self.catalogue, text)?)
    }
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

fn open_store(db: &DbLocation) -> anyhow::Result<Store> {
    Ok(Store::connect(db)?)
}

fn level_of(level: LevelArg) -> Level {
    match level {
        LevelArg::School => Level::School,
        LevelArg::Municipality => Level::Municipality,
        LevelArg::Region => Level::Region,
    }
}
