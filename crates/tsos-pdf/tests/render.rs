//! End-to-end: markup → PDF bytes → (where poppler's `pdftotext` is installed) text again.

use std::io::ErrorKind;
use std::process::Command;

use tsos_pdf::{Document, PdfError, escape, render};

fn document(markup: impl Into<String>) -> Document {
    Document {
        markup: markup.into(),
        ..Document::default()
    }
}

/// The text of `pdf` as `pdftotext` reads it, whitespace runs collapsed to one space, or
/// `None` when poppler-utils is not installed (the check is then skipped, loudly).
fn pdf_text(pdf: &[u8]) -> Option<String> {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), pdf).expect("write pdf");
    let output = match Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(file.path())
        .arg("-")
        .output()
    {
        Ok(output) => output,
        Err(err) if err.kind() == ErrorKind::NotFound => {
            println!("pdftotext not found (Debian: poppler-utils); text not checked");
            return None;
        }
        Err(err) => panic!("pdftotext failed to start: {err}"),
    };
    assert!(output.status.success(), "pdftotext: {output:?}");
    let text = String::from_utf8(output.stdout).expect("pdftotext prints UTF-8");
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

const SCHOOL: &str = "МБОУ «СОШ №1»";

/// Two A4 pages of the kind of report the tool produces.
fn report_markup() -> String {
    let school = escape(SCHOOL);
    let mut rows = String::new();
    for n in 1..=45 {
        rows.push_str(&format!(
            "  [{n}], [{}], [{},{} %],\n",
            escape(&format!("МБОУ «СОШ №{n}» г. Ёлкино")),
            40 + n,
            n % 10
        ));
    }
    format!(
        r#"#set page(paper: "a4", numbering: "1")
= Мониторинг активности пользователей

Отчёт по школам района. Ёлочки «как в типографии», знак № и проценты.
Доля активных учителей в {school} — 81,0 %.

#table(
  columns: (auto, 1fr, auto),
  table.header([*№*], [*Организация*], [*Активных*]),
  [0], [{school}], [81,0 %],
{rows})
"#
    )
}

#[test]
fn russian_report_becomes_a_pdf_with_its_text() {
    let pdf = render(&document(report_markup())).expect("renders");
    assert!(pdf.starts_with(b"%PDF"), "not a PDF: {:?}", &pdf[..16]);

    if let Some(text) = pdf_text(&pdf) {
        for expected in [
            "Мониторинг",
            "81,0 %",
            SCHOOL,
            "«как в типографии»",
            "Ёлкино",
        ] {
            assert!(text.contains(expected), "{expected:?} not in {text:?}");
        }
    }
}

#[test]
fn inputs_are_visible_as_sys_inputs() {
    let doc = Document {
        markup: "Период: #sys.inputs.period".to_owned(),
        inputs: vec![("period".to_owned(), "сентябрь 2026".to_owned())],
        ..Document::default()
    };
    let pdf = render(&doc).expect("renders");
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("Период: сентябрь 2026"), "{text:?}");
    }
}

#[test]
fn escaped_hostile_text_renders_literally() {
    let lines = [
        r#"#set text(size: 40pt) #panic("boom")"#,
        r"$x^2$ *bold* _a_ `raw` <a> @ref",
        r"back\slash \\ two \u{41} and \ space",
        r#""quotes" 'single' -- --- ... ~tilde"#,
        "= not a heading",
        "- not a list",
        "+ not an enum",
        "1. not numbered",
        "/ not: a term",
        "// not a comment /* nor this */",
        "https://example.com/path [bracket] ] [ 5-3 a-?b",
    ];
    let text = lines.join("\n");
    let escaped = escape(&text);
    // The same text in three contexts: a paragraph, a heading and a table cell.
    let markup = format!("{escaped}\n\n= {escaped}\n\n#table([{escaped}])\n");
    let pdf = render(&document(markup)).expect("escaped text compiles");

    if let Some(extracted) = pdf_text(&pdf) {
        for line in lines {
            let occurrences = extracted.matches(line).count();
            assert_eq!(occurrences, 3, "{line:?} in {extracted:?}");
        }
    }
}

#[test]
fn markup_error_reports_typst_message_and_position() {
    let err = render(&document("Первая строка\n#no_such_function()\n"))
        .expect_err("unknown function must fail");
    let PdfError::Compile(message) = &err else {
        panic!("expected a compile error, got {err:?}");
    };
    assert!(
        message.contains("unknown variable: no_such_function"),
        "{message}"
    );
    assert!(message.contains("строка 2, столбец 2"), "{message}");
    assert!(
        err.to_string().starts_with("ошибка в разметке Typst"),
        "{err}"
    );
}

#[test]
fn nothing_outside_the_markup_is_reachable() {
    for (markup, typst_says) in [
        (r#"#include "other.typ""#, "file not found"),
        (r#"#import "@preview/cetz:0.4.0""#, "package not found"),
        ("#datetime.today()", "unable to get the current date"),
    ] {
        match render(&document(markup)) {
            Err(PdfError::Compile(message)) => {
                assert!(message.contains(typst_says), "{markup}: {message}");
            }
            other => panic!("{markup}: expected a compile error, got {other:?}"),
        }
    }
}
