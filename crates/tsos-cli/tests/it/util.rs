//! A fresh folder per test and the real `tsos` binary run inside it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Dir {
    pub dir: tempfile::TempDir,
    /// The `--db` of every run: the folder's `tsos.db` unless the test names another.
    location: Option<String>,
}

pub struct Run {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Run {
        assert!(
            self.status.success(),
            "tsos failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn fails(self) -> Run {
        assert!(
            !self.status.success(),
            "tsos should have failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        assert!(
            !self.stderr.contains("panicked"),
            "tsos panicked:\n{}",
            self.stderr
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|err| panic!("{err}: {}", self.stdout))
    }
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            dir: tempfile::tempdir().unwrap(),
            location: None,
        }
    }

    /// A folder whose runs use the database at `location` (a PostgreSQL URL, say).
    pub fn on(location: &tsos_store::DbLocation) -> Dir {
        let location = match location {
            tsos_store::DbLocation::Sqlite(path) => path.display().to_string(),
            tsos_store::DbLocation::Postgres(url) => url.clone(),
        };
        Dir {
            location: Some(location),
            ..Dir::new()
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn db(&self) -> PathBuf {
        self.path("tsos.db")
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub fn write_cp1251(&self, name: &str, text: &str) -> PathBuf {
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(text);
        assert!(!unmappable, "text not representable in cp1251");
        self.write(name, bytes)
    }

    /// `tsos --db` this folder's database, run in the folder, with none of the settings a
    /// developer's environment may hold.
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tsos"));
        command
            .arg("--db")
            .arg(match &self.location {
                Some(location) => location.into(),
                None => self.db().into_os_string(),
            })
            .current_dir(self.dir.path())
            // The key of the flows in the folder, whatever the engine: a PostgreSQL story
            // computes the flows a SQLite one does (beside whose file the key is the same).
            .env("TSOS_KEY_FILE", self.path("tsos.key"))
            .env_remove("TSOS_DB")
            .env_remove("TSOS_PLATFORMS")
            .env_remove("TSOS_CONFIG");
        command
    }

    pub fn tsos(&self, args: &[&str]) -> Run {
        let output: Output = self.command().args(args).output().unwrap();
        Run {
            status: output.status,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// `tsos report --format json` at `as_of` and `level`, parsed.
    pub fn report_json(&self, as_of: &str, level: &str) -> serde_json::Value {
        self.tsos(&[
            "report", "--as-of", as_of, "--level", level, "--format", "json",
        ])
        .ok()
        .json()
    }

    pub fn import(&self, dataset: &str, file: &Path, as_of: &str) -> Run {
        self.tsos(&["import", dataset, file.to_str().unwrap(), "--as-of", as_of])
    }

    /// A registry of `schools`: (ИНН, name, municipality, teachers, students).
    pub fn registry(&self, schools: &[(&str, &str, &str, u64, u64)]) -> PathBuf {
        let mut text = String::from(
            "ИНН;Полное наименование ОО;Муниципальное образование;Субъект РФ;Численность педагогических работников;Численность обучающихся\n",
        );
        for (inn, name, municipality, teachers, students) in schools {
            text.push_str(&format!(
                "{inn};{name};{municipality};Республика Дагестан;{teachers};{students}\n"
            ));
        }
        self.write("registry.csv", text)
    }
}

impl Dir {
    /// Imports a registry of one school, «МБОУ «СОШ №1»» (0512345678), dated 01.09.2023.
    pub fn one_school(&self, teachers: u64, students: u64) {
        let registry = self.registry(&[(
            "0512345678",
            "МБОУ «СОШ №1»",
            "Буйнакский район",
            teachers,
            students,
        )]);
        self.import("registry", &registry, "2023-09-01").ok();
    }
}

pub fn region_row(report: &serde_json::Value) -> &serde_json::Value {
    &report["rows"][0]
}

pub fn share(value: &serde_json::Value) -> f64 {
    value["share"]
        .as_f64()
        .unwrap_or_else(|| panic!("no share in {value}"))
}
