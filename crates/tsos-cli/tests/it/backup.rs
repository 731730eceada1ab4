//! `tsos backup`: a copy of the SQLite database that tsos opens with the same figures.

use crate::util::Dir;

#[test]
fn a_backup_is_the_database_and_never_overwrites() {
    let dir = Dir::new();
    dir.one_school(10, 100);
    let export = dir.write(
        "october.csv",
        "ИНН;Количество активных педагогов\n0512345678;7\n",
    );
    dir.import("myschool", &export, "2023-10-01").ok();
    let copy = dir.path("copy.db");
    let run = dir.tsos(&["backup", copy.to_str().unwrap()]).ok();
    assert!(run.stderr.contains("copy.db"), "{}", run.stderr);
    let report = |db: &std::path::Path| {
        let on = Dir::on(&tsos_store::DbLocation::Sqlite(db.to_path_buf()));
        on.tsos(&["report", "--as-of", "2023-10-01", "--format", "json"])
            .ok()
            .stdout
    };
    assert_eq!(report(&copy), report(&dir.db()));
    // A second backup to the same file is refused, and the first copy is left as it was.
    let before = std::fs::read(&copy).unwrap();
    let run = dir.tsos(&["backup", copy.to_str().unwrap()]).fails();
    assert!(run.stderr.contains("файл уже есть"), "{}", run.stderr);
    assert_eq!(std::fs::read(&copy).unwrap(), before);
}
