//! The documents officials send: the XLSX appendix, the letter with notices, and the
//! follow-up of its deadline.

use crate::util::Dir;

/// Three schools; teachers' shares by month through per-school exports.
fn schools(dir: &Dir) {
    let registry = dir.registry(&[
        ("0500000001", "Школа А", "Буйнакский район", 20, 100),
        ("0500000002", "Школа Б", "Буйнакский район", 20, 100),
        ("0500000003", "Школа В", "Ахтынский район", 20, 100),
    ]);
    dir.import("registry", &registry, "2023-09-01").ok();
}

fn month(dir: &Dir, date: &str, a: u64, b: u64, c: u64) {
    let file = dir.write(
        &format!("m-{date}.csv"),
        format!(
            "ИНН;Количество активных педагогов\n0500000001;{a}\n0500000002;{b}\n0500000003;{c}\n"
        ),
    );
    dir.import("myschool", &file, date).ok();
}

#[test]
fn letter_with_appendix_and_notices_then_followup() {
    let dir = Dir::new();
    schools(&dir);
    // А 50 %, Б 60 %: red against the built-in 100 % for teachers; В 95 %: yellow.
    month(&dir, "2023-10-01", 10, 12, 19);
    let settings = dir.write(
        "tsos-letter.toml",
        "authority = \"МКУ «Управление образования»\"\nnumber_prefix = \"01-12/\"\nsignatory_name = \"А. А. Алиев\"\n",
    );
    let out = dir.path("out");
    let run = dir
        .tsos(&[
            "letter",
            "--as-of",
            "2023-10-01",
            "--deadline",
            "20.10.2023",
            "--date",
            "12.10.2023",
            "--notices",
            "--settings",
            settings.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .ok();
    assert!(
        run.stdout.contains("Письмо № 01-12/1 зарегистрировано"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("уведомлений — 2"), "{}", run.stdout);
    let letter = out.join("Письмо_№01-12-1_от_12.10.2023.docx");
    let appendix = out.join("Приложение_к_письму_№01-12-1_от_12.10.2023.xlsx");
    for path in [
        &letter,
        &appendix,
        &out.join("Уведомления_12.10.2023/0500000001.docx"),
    ] {
        assert!(
            std::fs::read(path).unwrap().starts_with(b"PK"),
            "{}",
            path.display()
        );
    }
    // The appendix reads back through the importer's own reader: the schools' sheet first.
    let mut source = tsos_ingest::Source::open(&appendix, None).unwrap();
    let mut cells = Vec::new();
    while let Some(row) = source.next_row().unwrap() {
        cells.extend(row.cells);
    }
    assert!(cells.contains(&tsos_ingest::Cell::Text("Школа А".into())));
    assert!(
        cells.contains(&tsos_ingest::Cell::Number(0.5)),
        "shares are numbers"
    );

    // LibreOffice, where installed, opens the letter and writes a PDF of it.
    if std::process::Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok()
    {
        let status = std::process::Command::new("soffice")
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(dir.path("pdf"))
            .arg(&letter)
            .status()
            .unwrap();
        assert!(status.success());
        assert!(dir.path("pdf").read_dir().unwrap().next().is_some());
    }

    // Before the deadline's snapshot there is nothing to check yet.
    let followup = dir.tsos(&["followup", "--format", "json"]).ok().json();
    assert!(
        followup["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["outcome"] == "no_data_yet"
                && l["delivery"].is_null()
                && l["reply"] == "no_reply")
    );

    // November: А reached 100 %, Б did not.
    month(&dir, "2023-11-01", 20, 15, 19);
    let followup = dir
        .tsos(&["followup", "--letter", "1", "--format", "json"])
        .ok()
        .json();
    let outcome = |id: &str| {
        followup["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == id)
            .unwrap()["outcome"]
            .clone()
    };
    assert_eq!(outcome("0500000001"), "met");
    assert_eq!(outcome("0500000002"), "not_met");
    let table = dir.tsos(&["followup"]).ok().stdout;
    assert!(table.contains("Выполнено: 1; не выполнено: 1"), "{table}");
    assert!(
        table.contains("не отправлялось нет ответа"),
        "the notice's delivery and the reply per line: {table}"
    );

    // The next letter says who failed the first one again.
    let run = dir
        .tsos(&[
            "letter",
            "--deadline",
            "2023-11-20",
            "--settings",
            settings.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .ok();
    assert!(
        run.stdout
            .contains("Повторно не выполнили письмо № 01-12/1 от 12.10.2023: Школа Б"),
        "{}",
        run.stdout
    );
    assert!(
        dir.tsos(&["followup", "--list"])
            .ok()
            .stdout
            .contains("01-12/2")
    );
}

#[test]
fn a_template_with_an_unknown_placeholder_fails_with_its_name() {
    let dir = Dir::new();
    schools(&dir);
    month(&dir, "2023-10-01", 10, 12, 19);
    let template = dir.write(
        "шаблон.txt",
        "Срок – до {{срок}}.\nДоля – {{доля myschool.teacher}}.\n",
    );
    let before = std::fs::read(dir.db()).unwrap();
    let run = dir
        .tsos(&[
            "letter",
            "--deadline",
            "2023-10-20",
            "--template",
            template.to_str().unwrap(),
            "--out",
            dir.path("out").to_str().unwrap(),
        ])
        .fails();
    assert!(
        run.stderr
            .contains("«{{доля myschool.teacher}}» (строка 2)"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read(dir.db()).unwrap(),
        before,
        "nothing registered"
    );
    // The built-in template prints for editing.
    let printed = dir.tsos(&["letter", "--print-template"]).ok().stdout;
    assert!(printed.contains("{{#отстающие}}"));
}

#[test]
fn report_as_xlsx_needs_a_file() {
    let dir = Dir::new();
    schools(&dir);
    month(&dir, "2023-10-01", 10, 12, 19);
    let run = dir.tsos(&["report", "--format", "xlsx"]).fails();
    assert!(run.stderr.contains("--out"), "{}", run.stderr);
    let out = dir.path("appendix.xlsx");
    dir.tsos(&["report", "--format", "xlsx", "--out", out.to_str().unwrap()])
        .ok();
    assert!(std::fs::read(out).unwrap().starts_with(b"PK"));
}

/// `tsos letter` of 12.10.2023 on 01.10.2023 with `settings` as its tsos-letter.toml and `more`
/// options, into the folder `out`: the run and the folder.
fn letter_with_settings(
    dir: &Dir,
    settings: &str,
    more: &[&str],
    out: &str,
) -> (crate::util::Run, std::path::PathBuf) {
    let settings = dir.write("tsos-letter.toml", settings);
    let out = dir.path(out);
    let mut args = vec![
        "letter",
        "--as-of",
        "2023-10-01",
        "--deadline",
        "20.10.2023",
        "--date",
        "12.10.2023",
    ];
    args.extend_from_slice(more);
    args.extend([
        "--settings",
        settings.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let run = dir.tsos(&args);
    (run, out)
}

/// A font file named in the settings sets the PDF (its keywords say so); one that cannot be
/// read stops the letter before any file is written or the letter registered.
#[test]
fn the_letter_s_pdf_is_set_in_the_settings_font_or_not_written() {
    let dir = Dir::new();
    schools(&dir);
    month(&dir, "2023-10-01", 10, 12, 19);
    let letter = |font: &std::path::Path, out: &str| {
        let settings = format!(
            "authority = \"УО\"\nnumber_prefix = \"01-12/\"\n[font]\nregular = {:?}\n",
            font.to_str().unwrap()
        );
        letter_with_settings(&dir, &settings, &[], out)
    };
    let (run, out) = letter(&dir.path("нет_шрифта.ttf"), "bad");
    let run = run.fails();
    assert!(
        run.stderr.contains("файл шрифта") && run.stderr.contains("нет_шрифта.ttf"),
        "{}",
        run.stderr
    );
    assert!(!out.exists(), "nothing written");
    let list = dir.tsos(&["followup", "--list"]).ok().stdout;
    assert!(!list.contains("01-12/1"), "nothing registered: {list}");

    let sans =
        std::path::Path::new("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf");
    if !sans.exists() {
        eprintln!(
            "{} is not installed (Debian: fonts-liberation2)",
            sans.display()
        );
        return;
    }
    let font = dir.path("бланк.ttf");
    std::fs::copy(sans, &font).unwrap();
    let (run, out) = letter(&font, "good");
    run.ok();
    let pdf = out.join("Письмо_№01-12-1_от_12.10.2023.pdf");
    let Ok(info) = std::process::Command::new("pdfinfo").arg(&pdf).output() else {
        eprintln!("pdfinfo is not installed (Debian: poppler-utils): keywords not checked");
        return;
    };
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("шрифт: Liberation Sans"), "{info}");
}

/// `--print-notice-template` writes the built-in notice to edit; the settings name the edited
/// file, whose wording the notices then have; a typo in it stops the letter with its name and
/// line before anything is written.
#[test]
fn notices_follow_the_template_the_settings_name() {
    let dir = Dir::new();
    schools(&dir);
    month(&dir, "2023-10-01", 10, 12, 19);
    let built_in = dir.tsos(&["letter", "--print-notice-template"]).ok().stdout;
    assert_eq!(built_in, tsos_letter::DEFAULT_NOTICE_TEMPLATE);
    let letter = |template: &str, out: &str| {
        let file = dir.write("уведомление.txt", template);
        let settings = format!(
            "authority = \"УО\"\nnotice_template = {:?}\n",
            file.to_str().unwrap()
        );
        letter_with_settings(&dir, &settings, &["--notices"], out)
    };
    let typo = built_in.replace("{{срок}}", "{{сроки}}");
    let line = 1 + typo.lines().position(|l| l.contains("{{сроки}}")).unwrap();
    let (run, out) = letter(&typo, "bad");
    let run = run.fails();
    assert!(
        run.stderr.contains(&format!(
            "шаблон уведомления: неизвестные подстановки: «{{{{сроки}}}}» (строка {line})"
        )),
        "{}",
        run.stderr
    );
    assert!(!out.exists(), "nothing written");

    let edited = built_in.replace(
        "Просим принять меры",
        "Настоятельно просим {{наименование}} принять меры",
    );
    let (run, out) = letter(&edited, "good");
    run.ok();
    let Ok(pdf) = std::process::Command::new("pdftotext")
        .arg(out.join("Уведомления_12.10.2023.pdf"))
        .arg("-")
        .output()
    else {
        eprintln!("pdftotext is not installed (Debian: poppler-utils): the text was not checked");
        return;
    };
    let text = String::from_utf8_lossy(&pdf.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("Настоятельно просим Школа А принять меры"),
        "{text}"
    );
}
