//! Excel 97–2003 (.xls) and OpenDocument (.ods) files, as LibreOffice writes them, read like
//! .xlsx: the registry, both kinds of export, the chats registry and lists of classes, with
//! errors named by sheet and cell (SPEC §5).

use std::path::PathBuf;

use crate::util::{Dir, region_row};

/// A workbook of `tests/data/workbooks`, copied into the test's folder.
fn workbook(dir: &Dir, name: &str) -> PathBuf {
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/workbooks")
        .join(name);
    dir.write(name, std::fs::read(source).unwrap())
}

fn report(dir: &Dir) -> serde_json::Value {
    dir.tsos(&[
        "report",
        "--as-of",
        "2023-10-01",
        "--level",
        "region",
        "--format",
        "json",
    ])
    .ok()
    .json()
}

#[test]
fn xls_and_ods_read_as_xlsx_for_every_kind_of_file() {
    let dir = Dir::new();
    let run = dir
        .import("registry", &workbook(&dir, "registry.xls"), "2023-09-01")
        .ok();
    assert!(
        run.stdout.contains("XLS, лист «registry»"),
        "{}",
        run.stdout
    );

    let run = dir
        .import("myschool", &workbook(&dir, "users.xls"), "2023-10-01")
        .ok();
    assert!(
        run.stdout.contains("Школ в файле: 2; пользователей: 4"),
        "{}",
        run.stdout
    );
    let row = report(&dir);
    let teachers = &region_row(&row)["myschool"]["teachers"];
    // Алиева is active; Омаров's last login is too old; Исаев is not confirmed.
    assert_eq!(
        (&teachers["registered"], &teachers["active"]),
        (&3.into(), &1.into())
    );

    let run = dir
        .import(
            "sferum",
            &workbook(&dir, "sferum_schools.ods"),
            "2023-10-01",
        )
        .ok();
    assert!(
        run.stdout.contains("ODS, лист «sferum_schools»"),
        "{}",
        run.stdout
    );
    let row = report(&dir);
    assert_eq!(region_row(&row)["sferum"]["teachers"]["active"], 50);

    // The same users from an ODS, a month later.
    dir.import("myschool", &workbook(&dir, "users.ods"), "2023-11-01")
        .ok();

    let chats = workbook(&dir, "chats.xls");
    let run = dir
        .tsos(&[
            "chats",
            "import",
            chats.to_str().unwrap(),
            "--as-of",
            "2023-10-01",
        ])
        .ok();
    assert!(
        run.stdout
            .contains("чатов 2, из них в иностранных мессенджерах 1"),
        "{}",
        run.stdout
    );
    let classes = workbook(&dir, "classes.ods");
    let run = dir
        .tsos(&[
            "chats",
            "import",
            classes.to_str().unwrap(),
            "--as-of",
            "2023-10-01",
        ])
        .ok();
    assert!(run.stdout.contains("классов 2 в 1 ОО"), "{}", run.stdout);
}

#[test]
fn a_bad_cell_of_an_xls_is_named_by_its_sheet_and_cell() {
    let dir = Dir::new();
    dir.import("registry", &workbook(&dir, "registry.xls"), "2023-09-01")
        .ok();
    let before = std::fs::read(dir.db()).unwrap();
    let run = dir
        .import("myschool", &workbook(&dir, "users_bad.xls"), "2023-10-01")
        .fails();
    assert!(
        run.stderr.contains(
            "users_bad.xls[users_bad]!F3: column «Дата последней авторизации»: несуществующая дата «31.02.2023»"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(dir.db()).unwrap(), before, "database changed");
}
