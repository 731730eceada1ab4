//! Snapshots and their lineage: the same file twice, a replacement, a restore.

use crate::util::Dir;

#[test]
fn same_file_twice_then_a_replacement_then_restore() {
    let dir = Dir::new();
    dir.one_school(10, 100);
    let first = dir.write(
        "first.csv",
        "ИНН;Количество активных педагогов\n0512345678;5\n",
    );
    dir.import("myschool", &first, "2023-10-01").ok();
    let before = std::fs::read(dir.db()).unwrap();
    let run = dir.import("myschool", &first, "2023-10-01").ok();
    assert!(
        run.stdout.contains("ничего не изменилось"),
        "{}",
        run.stdout
    );
    assert_eq!(std::fs::read(dir.db()).unwrap(), before);

    let second = dir.write(
        "second.csv",
        "ИНН;Количество активных педагогов\n0512345678;7\n",
    );
    let run = dir.import("myschool", &second, "2023-10-01").ok();
    assert!(run.stdout.contains("заменил снимок №2"), "{}", run.stdout);
    let active = |dir: &Dir| {
        dir.tsos(&["report", "--as-of", "2023-10-01", "--format", "json"])
            .ok()
            .json()["rows"][0]["myschool"]["teachers"]["active"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(active(&dir), 7);

    let list = dir.tsos(&["snapshots"]).ok().stdout;
    assert!(list.contains("заменен №3"), "{list}");
    assert!(
        list.contains("first.csv") && list.contains("second.csv"),
        "{list}"
    );
    let json = dir.tsos(&["snapshots", "--format", "json"]).ok().json();
    let first_info = &json.as_array().unwrap()[1];
    assert_eq!(first_info["file_name"], "first.csv");
    assert_eq!(first_info["kind"], "per_school");
    assert_eq!(first_info["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(first_info["rows_read"], 2);
    assert_eq!(first_info["current"], false);

    dir.tsos(&["snapshots", "restore", "2"]).ok();
    assert_eq!(active(&dir), 5);
}
