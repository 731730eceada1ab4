//! `tsos generate` (hidden): the manual pages and shell completions that the package ships,
//! made by the binary itself from its clap definitions, so that they cannot disagree with its
//! flags. `packaging/build-deb.sh` runs it before `cargo deb`. Also the API's OpenAPI
//! document, for CI's validator (`.ci/openapi-check.sh`).

use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, Generated};

pub(super) fn generate(what: Generated) -> anyhow::Result<()> {
    match what {
        Generated::Man { out } => man_pages(&out),
        Generated::Completions { out } => completions(&out),
        Generated::Openapi { out } => {
            let document = tsos_web::openapi()
                .to_pretty_json()
                .context("описание API не сериализовано")?;
            std::fs::write(&out, document + "\n")
                .with_context(|| format!("не удалось записать {}", out.display()))
        }
    }
}

/// clap_mangen and clap write their headings and labels in English; the pages say them in
/// Russian. Each is replaced as clap_mangen writes it, in roff, so that no text of ours can
/// match; the test below finds any left over.
const RUSSIAN: [(&str, &str); 14] = [
    (".SH NAME", ".SH ИМЯ"),
    (".SH SYNOPSIS", ".SH ОБЗОР"),
    (".SH DESCRIPTION", ".SH ОПИСАНИЕ"),
    (".SH OPTIONS", ".SH ПАРАМЕТРЫ"),
    (".SH SUBCOMMANDS", ".SH КОМАНДЫ"),
    (".SH VERSION", ".SH ВЕРСИЯ"),
    ("\\fIsubcommands\\fR", "\\fIкоманда\\fR"),
    ("[default: ", "[по умолчанию: "),
    ("\\fIPossible values:\\fR", "\\fIЗначения:\\fR"),
    (
        "May also be specified with the ",
        "Можно задать и переменной окружения ",
    ),
    ("\\fR environment variable. ", "\\fR."),
    ("Print help", "Показать справку"),
    (" (see a summary with \\*(Aq\\-h\\*(Aq)", " (кратко: \\-h)"),
    ("Print version", "Показать версию"),
];

/// `tsos.1`, and a page for each command (`tsos-import.1`, `tsos-targets-set.1`, …), into `out`.
fn man_pages(out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("не удалось создать папку {}", out.display()))?;
    for (name, page) in pages()? {
        let path = out.join(format!("{name}.1"));
        std::fs::write(&path, page)
            .with_context(|| format!("не удалось записать {}", path.display()))?;
    }
    Ok(())
}

/// Every page, named as `man` finds it, with its text.
fn pages() -> anyhow::Result<Vec<(String, String)>> {
    fn add(command: clap::Command, pages: &mut Vec<(String, String)>) -> anyhow::Result<()> {
        for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
            add(sub.clone(), pages)?;
        }
        // Without a date clap_mangen leaves its place in `.TH` empty, and the source and
        // manual move one place left.
        let man = clap_mangen::Man::new(command)
            .date(tsos_app::today().to_string())
            .source(concat!("tsos ", env!("CARGO_PKG_VERSION")))
            .manual("Мониторинг ЦОС");
        let mut roff = Vec::new();
        man.render(&mut roff)?;
        let mut page = String::from_utf8(roff)?;
        for (english, russian) in RUSSIAN {
            page = page.replace(english, russian);
        }
        pages.push((man.get_filename().trim_end_matches(".1").to_string(), page));
        Ok(())
    }
    let mut command = Cli::command().disable_help_subcommand(true);
    // Built, the subcommands carry their full names (`tsos-targets-set`) and global flags.
    command.build();
    let mut pages = Vec::new();
    add(command, &mut pages)?;
    Ok(pages)
}

/// `tsos.bash`, `_tsos` (zsh) and `tsos.fish` into `out`.
fn completions(out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("не удалось создать папку {}", out.display()))?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut Cli::command(), "tsos", out)
            .with_context(|| format!("не удалось записать дополнение для {shell}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `tsos.1` lists every command a person can type, and each has its own page with every
    /// one of its flags.
    #[test]
    fn the_pages_cover_every_command_and_flag() {
        let pages = pages().unwrap();
        let page = |name: &str| {
            pages
                .iter()
                .find(|(page, _)| page == name)
                .map(|(_, text)| text.as_str())
                .unwrap_or_else(|| panic!("no page {name}"))
        };
        let main = page("tsos");
        let command = Cli::command();
        let mut commands = 0;
        for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
            let name = sub.get_name();
            let listed = format!("tsos\\-{}(1)", name.replace('-', "\\-"));
            assert!(main.contains(&listed), "tsos.1 lacks {name}");
            let own = page(&format!("tsos-{name}"));
            for arg in sub.get_arguments().filter(|arg| !arg.is_hide_set()) {
                if let Some(long) = arg.get_long() {
                    let flag = format!("\\-\\-{}", long.replace('-', "\\-"));
                    assert!(own.contains(&flag), "tsos-{name}.1 lacks {flag}");
                }
            }
            commands += 1;
        }
        assert!(commands > 10, "only {commands} commands");
        assert!(
            !main.contains("generate"),
            "the hidden command is not documented"
        );
        assert!(main.contains("\\-\\-config") && main.contains("TSOS_CONFIG"));
        for (name, text) in &pages {
            for english in [
                "Possible",
                "environment",
                "summary",
                "subcommands",
                "default:",
            ] {
                assert!(!text.contains(english), "{name}.1 says «{english}»");
            }
            assert!(
                text.lines()
                    .filter(|line| line.starts_with(".SH "))
                    .all(|line| !line.is_ascii()),
                "{name}.1 has an English heading"
            );
        }
    }

    #[test]
    fn completions_are_written_for_three_shells() {
        let dir = tempfile::tempdir().unwrap();
        completions(dir.path()).unwrap();
        let bash = std::fs::read_to_string(dir.path().join("tsos.bash")).unwrap();
        assert!(bash.contains("serve") && bash.contains("--config"));
        assert!(dir.path().join("_tsos").exists());
        assert!(dir.path().join("tsos.fish").exists());
    }
}
