use super::*;
use jiff::civil::date;

fn school(org: &str, name: &str, teachers: u64) -> SchoolRecord {
    let mut contingent = RoleMap::default();
    *contingent.get_mut(Role::Teachers) = Some(teachers);
    SchoolRecord {
        org: OrgId::normalize(org).unwrap(),
        name: name.into(),
        municipality: "Буйнакский район".into(),
        region: "Республика Дагестан".into(),
        contingent,
        email: None,
    }
}

fn registry(as_of: Date, sha: &str, schools: Vec<SchoolRecord>) -> NewSnapshot {
    NewSnapshot {
        dataset: REGISTRY.into(),
        as_of,
        kind: SnapshotKind::Registry,
        file_name: "registry.xlsx".into(),
        sha256: sha.into(),
        has_confirmed: false,
        rows_read: schools.len() as u64 + 1,
        skipped: BTreeMap::from([("title".to_string(), 1)]),
        rejected: BTreeMap::new(),
        warnings: vec![],
        findings: vec![],
        without_org: RoleMap::default(),
        usage: vec![],
        usage_counts: Vec::new(),
        schools,
        chats: vec![],
        classes: vec![],
        user_sets: None,
    }
}

fn usage(as_of: Date, sha: &str, active: u64) -> NewSnapshot {
    NewSnapshot {
        dataset: "myschool".into(),
        as_of,
        kind: SnapshotKind::PerUser,
        file_name: format!("{sha}.csv"),
        sha256: sha.into(),
        has_confirmed: true,
        rows_read: 10,
        skipped: BTreeMap::new(),
        rejected: BTreeMap::from([("не дата".to_string(), 2)]),
        warnings: vec!["предупреждение".into()],
        findings: vec![Finding {
            kind: tsos_domain::FindingKind::DatesAfterAsOf,
            platform: Some("myschool".into()),
            role: None,
            count: 3,
            orgs: vec!["0500000001".into()],
        }],
        without_org: {
            let mut without = RoleMap::default();
            *without.get_mut(Role::Parents) = 2;
            without
        },
        usage: vec![UsageRecord {
            org: OrgId::normalize("0500000001").unwrap(),
            role: Role::Teachers,
            counts: RoleCounts {
                registered: Some(active + 1),
                confirmed: Some(active),
                active: Some(active),
                leaving: Some(1),
            },
            file_contingent: None,
        }],
        usage_counts: Vec::new(),
        schools: vec![],
        chats: vec![],
        classes: vec![],
        user_sets: None,
    }
}

#[test]
fn migrates_once_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tsos.db");
    Store::open(&path).unwrap();
    let store = Store::open(&path).unwrap();
    assert!(store.snapshots().unwrap().is_empty());
}

/// Opening migrates once, whoever opens first; instances that start together wait for one
/// another's migrations; a database of a newer version is refused on both engines.
#[test]
fn migrates_once_on_both_engines_and_refuses_a_newer_schema() {
    for db in crate::testing::TestDb::engines() {
        let openers: Vec<_> = (0..4)
            .map(|_| {
                let location = db.location().clone();
                std::thread::spawn(move || Store::connect(&location).map(|s| s.is_ready()))
            })
            .collect();
        for opener in openers {
            assert!(opener.join().unwrap().unwrap().unwrap(), "{}", db.engine());
        }
        let store = db.open();
        assert!(store.is_ready().unwrap());
        let newer = SCHEMA_VERSION + 1;
        match &store.db {
            Engine::Sqlite(conn) => conn.pragma_update(None, "user_version", newer).unwrap(),
            Engine::Postgres(_) => {
                store
                    .db
                    .execute("UPDATE tsos_schema SET version = ?1", args![newer])
                    .unwrap();
            }
        }
        assert!(!store.is_ready().unwrap());
        assert!(
            matches!(
                Store::connect(db.location()),
                Err(StoreError::TooNew { found, known }) if found == newer && known == SCHEMA_VERSION
            ),
            "{}",
            db.engine()
        );
    }
}

#[test]
fn same_file_again_changes_nothing() {
    crate::testing::each_engine(|mut store| {
        let d = date(2023, 10, 1);
        let first = store.save_snapshot(&usage(d, "aaa", 5)).unwrap();
        let SaveOutcome::Saved {
            id,
            superseded: None,
        } = first
        else {
            panic!("{first:?}")
        };
        assert_eq!(
            store.save_snapshot(&usage(d, "aaa", 5)).unwrap(),
            SaveOutcome::Unchanged { id }
        );
        assert_eq!(store.snapshots().unwrap().len(), 1);
    });
}

#[test]
fn different_file_supersedes_and_can_be_restored() {
    crate::testing::each_engine(|mut store| {
        let d = date(2023, 10, 1);
        let SaveOutcome::Saved { id: old, .. } = store.save_snapshot(&usage(d, "aaa", 5)).unwrap()
        else {
            panic!()
        };
        let SaveOutcome::Saved {
            id: new,
            superseded,
        } = store.save_snapshot(&usage(d, "bbb", 7)).unwrap()
        else {
            panic!()
        };
        assert_eq!(superseded, Some(old));
        let current = store.current_at("myschool", d).unwrap().unwrap();
        assert_eq!(current.id, new);
        let counts = store.platform_counts(&current).unwrap();
        assert_eq!(
            counts
                .by_org
                .values()
                .next()
                .unwrap()
                .get(Role::Teachers)
                .active,
            Some(7)
        );
        assert_eq!(
            *counts.without_org.get(Role::Parents),
            2,
            "kept with the snapshot"
        );
        let old_info = store.snapshot(old).unwrap().unwrap();
        assert_eq!(old_info.superseded_by, Some(new));
        // Lineage survives the round trip.
        assert_eq!(old_info.rejected.get("не дата"), Some(&2));
        assert_eq!(old_info.rows_rejected, 2);
        assert_eq!(old_info.warnings, vec!["предупреждение".to_string()]);
        assert_eq!(old_info.findings[0].count, 3);

        store.restore(old).unwrap();
        assert_eq!(store.current_at("myschool", d).unwrap().unwrap().id, old);
        assert_eq!(
            store.snapshot(new).unwrap().unwrap().superseded_by,
            Some(old)
        );
        assert!(matches!(
            store.restore(old),
            Err(StoreError::AlreadyCurrent(_))
        ));
    });
}

#[test]
fn absent_schools_count_zero_registered_in_per_user_snapshots() {
    crate::testing::each_engine(|mut store| {
        store
            .save_snapshot(&usage(date(2023, 10, 1), "aaa", 5))
            .unwrap();
        let snapshot = store
            .current_at("myschool", date(2023, 10, 1))
            .unwrap()
            .unwrap();
        let counts = store.platform_counts(&snapshot).unwrap();
        assert_eq!(counts.absent_school.registered, Some(0));
        assert_eq!(counts.absent_school.confirmed, Some(0));
        // Other roles of a school present in the export are zeros too.
        let present = counts.by_org.values().next().unwrap();
        assert_eq!(present.get(Role::Students).registered, Some(0));
    });
}

#[test]
fn many_schools_and_their_usage_are_read_back_whole() {
    // More rows than one SQLite insert writes, not a multiple of it, in no order of ids.
    let orgs: Vec<String> = (0..150u64)
        .map(|n| format!("05{:08}", (n * 7919) % 150))
        .collect();
    let schools: Vec<SchoolRecord> = orgs
        .iter()
        .map(|org| school(org, &format!("Школа {org}"), 10 + org.len() as u64))
        .collect();
    let counts_of = |org: &str, role: Role| {
        let n: u64 = org.parse().unwrap();
        RoleCounts {
            registered: Some(n % 1000 + 3),
            confirmed: (role == Role::Teachers).then_some(n % 1000 + 2),
            active: Some(n % 1000),
            leaving: None,
        }
    };
    let mut snapshot = usage(date(2023, 10, 1), "many", 0);
    snapshot.usage = orgs
        .iter()
        .flat_map(|org| [(org, Role::Students), (org, Role::Teachers)])
        .map(|(org, role)| UsageRecord {
            org: OrgId::normalize(org).unwrap(),
            role,
            counts: counts_of(org, role),
            file_contingent: None,
        })
        .collect();
    crate::testing::each_engine(|mut store| {
        store
            .save_snapshot(&registry(date(2023, 9, 1), "r", schools.clone()))
            .unwrap();
        store.save_snapshot(&snapshot).unwrap();
        let read = store.schools_at(date(2023, 10, 1)).unwrap();
        let mut sorted = orgs.clone();
        sorted.sort();
        assert_eq!(
            read.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            sorted
        );
        assert!(read.iter().all(|s| s.name == format!("Школа {}", s.id)));
        let current = store
            .current_at("myschool", date(2023, 10, 1))
            .unwrap()
            .unwrap();
        let counts = store.platform_counts(&current).unwrap();
        assert_eq!(counts.by_org.len(), 150);
        for (org, roles) in &counts.by_org {
            for role in [Role::Students, Role::Teachers] {
                assert_eq!(
                    *roles.get(role),
                    counts_of(org.as_str(), role),
                    "{org} {role}"
                );
            }
            // Roles the export did not give count as for a school it does not name.
            assert_eq!(*roles.get(Role::Parents), counts.absent_school);
        }
    });
}

#[test]
fn registry_resolution_by_date() {
    crate::testing::each_engine(|mut store| {
        store
            .save_snapshot(&registry(
                date(2023, 9, 1),
                "r1",
                vec![
                    school("0500000001", "Школа 2023", 50),
                    school("0500000002", "Только в 2023", 10),
                ],
            ))
            .unwrap();
        store
            .save_snapshot(&registry(
                date(2024, 9, 1),
                "r2",
                vec![
                    school("0500000001", "Школа 2024", 60),
                    school("0500000003", "Новая 2024", 20),
                ],
            ))
            .unwrap();
        let name_at = |d: Date, org: &str| {
            store
                .schools_at(d)
                .unwrap()
                .into_iter()
                .find(|s| s.id.as_str() == org)
                .map(|s| s.name)
        };
        // Before every version: the earliest.
        assert_eq!(
            name_at(date(2023, 1, 1), "0500000001").as_deref(),
            Some("Школа 2023")
        );
        assert_eq!(
            name_at(date(2023, 9, 1), "0500000001").as_deref(),
            Some("Школа 2023")
        );
        assert_eq!(
            name_at(date(2024, 8, 31), "0500000001").as_deref(),
            Some("Школа 2023")
        );
        assert_eq!(
            name_at(date(2024, 9, 1), "0500000001").as_deref(),
            Some("Школа 2024")
        );
        // A school only in the later version appears earlier too (its earliest version).
        assert_eq!(
            name_at(date(2023, 10, 1), "0500000003").as_deref(),
            Some("Новая 2024")
        );
        // A school dropped from the later registry keeps its last version.
        assert_eq!(
            name_at(date(2025, 1, 1), "0500000002").as_deref(),
            Some("Только в 2023")
        );
        assert_eq!(store.schools_at(date(2024, 9, 1)).unwrap().len(), 3);
        assert_eq!(store.known_orgs().unwrap().len(), 3);
    });
}

/// Every role's headcount comes back as it went in: parents' and staff's are optional and
/// stay unknown where the registry gave none.
#[test]
fn registry_keeps_every_role_headcount() {
    crate::testing::each_engine(|mut store| {
        let mut full = school("0500000001", "Все численности", 50);
        *full.contingent.get_mut(Role::Students) = Some(600);
        *full.contingent.get_mut(Role::Parents) = Some(900);
        *full.contingent.get_mut(Role::Staff) = Some(21);
        let bare = school("0500000002", "Только педагоги", 10);
        store
            .save_snapshot(&registry(date(2023, 9, 1), "r1", vec![full.clone(), bare]))
            .unwrap();
        let schools = store.schools_at(date(2023, 10, 1)).unwrap();
        let contingent = |org: &str| {
            schools
                .iter()
                .find(|s| s.id.as_str() == org)
                .map(|s| s.contingent)
                .unwrap()
        };
        assert_eq!(contingent("0500000001"), full.contingent);
        assert_eq!(*contingent("0500000002").get(Role::Staff), None);
        assert_eq!(*contingent("0500000002").get(Role::Parents), None);
    });
}

#[test]
fn previous_snapshot_and_dates() {
    crate::testing::each_engine(|mut store| {
        store
            .save_snapshot(&usage(date(2023, 9, 1), "a", 1))
            .unwrap();
        store
            .save_snapshot(&usage(date(2023, 10, 1), "b", 2))
            .unwrap();
        let previous = store
            .previous("myschool", date(2023, 10, 1))
            .unwrap()
            .unwrap();
        assert_eq!(previous.as_of, date(2023, 9, 1));
        assert!(
            store
                .previous("myschool", date(2023, 9, 1))
                .unwrap()
                .is_none()
        );
        assert_eq!(
            store.platform_dates().unwrap(),
            vec![date(2023, 9, 1), date(2023, 10, 1)]
        );
    });
}

#[test]
fn targets_replace_on_the_same_key_and_make_a_book() {
    crate::testing::each_engine(|mut store| {
        let target = |value: f64, level| Target {
            indicator: IndicatorId::parse("sferum.students").unwrap(),
            level,
            from: date(2023, 9, 1),
            value,
        };
        store.set_target(&target(0.2, None)).unwrap();
        store.set_target(&target(0.3, None)).unwrap();
        let id = store
            .set_target(&target(0.5, Some(tsos_domain::Level::Region)))
            .unwrap();
        let listed = store.targets().unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].target.value, 0.3);
        assert_eq!(store.target_book().unwrap().yellow_band_pp, 10.0);
        store.set_yellow_band(5.0).unwrap();
        let book = store.target_book().unwrap();
        assert_eq!((book.targets.len(), book.yellow_band_pp), (2, 5.0));
        store.remove_target(id).unwrap();
        assert!(matches!(
            store.remove_target(id),
            Err(StoreError::NoTarget(_))
        ));
    });
}

#[test]
fn a_target_on_a_count_s_rate_is_stored_beside_the_shares() {
    crate::testing::each_engine(|mut store| {
        let rate = Target {
            indicator: IndicatorId::parse("myschool.count.уроков проведено.per_teacher").unwrap(),
            level: Some(tsos_domain::Level::Municipality),
            from: date(2023, 9, 1),
            value: 12.5,
        };
        let share = Target {
            indicator: IndicatorId::parse("myschool.teachers").unwrap(),
            level: None,
            from: date(2023, 9, 1),
            value: 0.9,
        };
        let id = store.set_target(&rate).unwrap();
        store.set_target(&share).unwrap();
        // The same indicator's id in the other rate is another target, not a replacement.
        let other = Target {
            indicator: IndicatorId::parse("myschool.count.уроков проведено.per_100_students")
                .unwrap(),
            value: 250.0,
            ..rate.clone()
        };
        store.set_target(&other).unwrap();
        let listed: Vec<Target> = store
            .targets()
            .unwrap()
            .into_iter()
            .map(|t| t.target)
            .collect();
        assert_eq!(listed.len(), 3);
        for target in [&rate, &share, &other] {
            assert!(listed.contains(target), "{target:?} in {listed:?}");
        }
        assert!(store.target_book().unwrap().targets.contains(&rate));
        store.remove_target(id).unwrap();
        assert!(!store.target_book().unwrap().targets.contains(&rate));
    });
}

fn class_lists(as_of: Date, sha: &str, lists: &[(&str, &[&str])]) -> NewSnapshot {
    NewSnapshot {
        dataset: "classes".into(),
        kind: SnapshotKind::Chats,
        chats: vec![],
        classes: lists
            .iter()
            .map(|(org, labels)| ClassList {
                org: OrgId::normalize(org).unwrap(),
                classes: labels
                    .iter()
                    .map(|label| SchoolClass {
                        label: label.to_string(),
                        students: Some(25),
                    })
                    .collect(),
                as_of,
            })
            .collect(),
        ..usage(as_of, sha, 0)
    }
}

#[test]
fn class_lists_follow_their_snapshots_through_supersede_and_restore() {
    crate::testing::each_engine(|mut store| {
        let d = date(2023, 9, 1);
        let labels = |store: &Store| -> Vec<(String, Vec<String>)> {
            store
                .class_lists()
                .unwrap()
                .into_iter()
                .map(|l| {
                    (
                        l.org.to_string(),
                        l.classes.into_iter().map(|c| c.label).collect(),
                    )
                })
                .collect()
        };
        let SaveOutcome::Saved { id: first, .. } = store
            .save_snapshot(&class_lists(
                d,
                "aaa",
                &[("0500000001", &["5А", "5Б"]), ("0500000002", &["1А"])],
            ))
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(
            labels(&store),
            [
                ("0500000001".to_string(), vec!["5А".into(), "5Б".into()]),
                ("0500000002".to_string(), vec!["1А".into()])
            ]
        );
        assert_eq!(
            store.class_lists().unwrap()[0].classes[0].students,
            Some(25)
        );
        store
            .save_snapshot(&class_lists(d, "bbb", &[("0500000001", &["6А"])]))
            .unwrap();
        assert_eq!(
            labels(&store),
            [("0500000001".to_string(), vec!["6А".to_string()])],
            "the corrected file replaces the whole snapshot"
        );
        store.restore(first).unwrap();
        assert_eq!(labels(&store).len(), 2);
        assert_eq!(store.class_lists_of(first).unwrap().len(), 2);
        // A class list is not a platform's date.
        assert!(store.platform_dates().unwrap().is_empty());
    });
}

/// Two imports of one dataset and date at the same moment, from two connections (two
/// instances of the service), leave one current snapshot and the other superseded: never both
/// current. Saving holds the write lock from its start on both engines.
#[test]
fn two_imports_at_once_leave_one_current_snapshot() {
    for db in crate::testing::TestDb::engines() {
        for round in 0..5 {
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
            let savers: Vec<_> = ["a", "b"]
                .into_iter()
                .map(|side| {
                    let mut store = db.open();
                    let barrier = std::sync::Arc::clone(&barrier);
                    let snapshot = usage(date(2023, 10, 1), &format!("{side}{round}"), 5);
                    std::thread::spawn(move || {
                        barrier.wait();
                        store.save_snapshot(&snapshot).unwrap()
                    })
                })
                .collect();
            for saver in savers {
                assert!(matches!(saver.join().unwrap(), SaveOutcome::Saved { .. }));
            }
            let store = db.open();
            let of_the_date: Vec<_> = store
                .snapshots()
                .unwrap()
                .into_iter()
                .filter(|s| s.dataset == "myschool")
                .collect();
            let current: Vec<_> = of_the_date.iter().filter(|s| s.is_current()).collect();
            assert_eq!(current.len(), 1, "{}: {of_the_date:?}", db.engine());
            assert_eq!(of_the_date.len(), 2 * (round + 1), "{}", db.engine());
            // The current one is whole: its usage is there.
            let counts = store.platform_counts(current[0]).unwrap();
            assert_eq!(counts.by_org.len(), 1, "{}", db.engine());
        }
    }
}

/// A snapshot of one chat on `platform`, as an import makes it.
fn one_chat(as_of: Date, platform: &str) -> NewSnapshot {
    let platform = tsos_domain::chats::chat_platform(platform).unwrap();
    NewSnapshot {
        dataset: "chats".into(),
        kind: SnapshotKind::Chats,
        chats: vec![ChatState {
            org: OrgId::normalize("0500000001").unwrap(),
            name: "5А родители".into(),
            purpose: Purpose::OfficialChannel,
            class_label: None,
            platform: platform.name,
            domestic: platform.domestic,
            members: Some(20),
            active: true,
            confirmed_on: None,
            created_on: None,
            moved_on: None,
            replaces: None,
            as_of,
        }],
        ..registry(as_of, "chats", vec![])
    }
}

/// A chat stored as «Сферум» before migration 013 is read as «Сферум (VK Мессенджер)» after
/// it, on both engines: the database is put back as it was before 013, with the old name, and
/// the migration's own text run again (whatever migrations come after it).
#[test]
fn migration_013_keeps_a_stored_sferum_in_vk_messenger() {
    for db in crate::testing::TestDb::engines() {
        let mut store = db.open();
        store
            .save_snapshot(&one_chat(date(2024, 9, 1), "Сферум (VK Мессенджер)"))
            .unwrap();
        for sql in [
            "UPDATE chat_state SET platform = 'Сферум'",
            "DROP TABLE chat_closing",
        ] {
            store.db.execute(sql, args![]).unwrap();
        }
        match &store.db {
            Engine::Sqlite(conn) => conn
                .execute_batch(include_str!("migrations/013_chat_closing.sql"))
                .unwrap(),
            Engine::Postgres(pg) => pg
                .client
                .borrow_mut()
                .batch_execute(include_str!("migrations/postgres/013_chat_closing.sql"))
                .unwrap(),
        }
        drop(store);
        let store = Store::connect(db.location()).unwrap();
        let states = store.chat_states().unwrap();
        assert_eq!(
            states[0].platform,
            "Сферум (VK Мессенджер)",
            "{}",
            db.engine()
        );
        assert!(states[0].domestic);
        assert_eq!(states[0].purpose, Purpose::OfficialChannel);
        assert!(store.chat_closings().unwrap().is_empty(), "{}", db.engine());
    }
}

/// A second reader of a SQLite file sees what the first wrote; a database in memory, or on
/// PostgreSQL, has none.
#[test]
fn a_sqlite_file_gives_a_second_reader() {
    for db in crate::testing::TestDb::engines() {
        let mut store = db.open();
        store
            .save_snapshot(&usage(date(2023, 10, 1), "aaa", 5))
            .unwrap();
        match store.sqlite_reader().unwrap() {
            Some(reader) => {
                assert_eq!(db.engine(), "sqlite");
                assert_eq!(reader.snapshots().unwrap(), store.snapshots().unwrap());
            }
            None => assert_eq!(db.engine(), "postgres"),
        }
    }
    let memory = Store::open_in_memory().unwrap();
    assert!(memory.sqlite_reader().unwrap().is_none());
}

/// Migration 017 rebuilds SQLite's usage without rowids and keeps every row: the table is put
/// back as a table with rowids, with its rows, and the migration's own text run again.
#[test]
fn migration_017_keeps_the_usage_rows() {
    let db = crate::testing::TestDb::sqlite();
    let mut store = db.open();
    let snapshot = match store
        .save_snapshot(&usage(date(2023, 10, 1), "aaa", 5))
        .unwrap()
    {
        SaveOutcome::Saved { id, .. } => store.snapshot(id).unwrap().unwrap(),
        other => panic!("{other:?}"),
    };
    let before = store.platform_counts(&snapshot).unwrap();
    let Engine::Sqlite(conn) = &store.db else {
        unreachable!("a SQLite database")
    };
    conn.execute_batch(
        "CREATE TABLE usage_old AS SELECT * FROM usage;
         DROP TABLE usage;
         ALTER TABLE usage_old RENAME TO usage;",
    )
    .unwrap();
    assert!(conn.prepare("SELECT rowid FROM usage").is_ok());
    conn.execute_batch(include_str!("migrations/017_usage_without_rowid.sql"))
        .unwrap();
    assert!(conn.prepare("SELECT rowid FROM usage").is_err());
    drop(store);
    let store = Store::connect(db.location()).unwrap();
    assert_eq!(store.platform_counts(&snapshot).unwrap(), before);
    assert!(!before.by_org.is_empty());
}

#[test]
fn a_closing_is_set_replaced_and_removed() {
    crate::testing::each_engine(|mut store| {
        let closing = |from, deadline| PlatformClosing::new("sferum_vk", from, deadline).unwrap();
        store
            .set_chat_closing(&closing(date(2025, 10, 1), date(2025, 12, 31)))
            .unwrap();
        let max = PlatformClosing::new("vk_messenger", date(2026, 1, 1), date(2026, 3, 1)).unwrap();
        store.set_chat_closing(&max).unwrap();
        // A second setting of a platform replaces its first.
        let later = closing(date(2025, 11, 1), date(2026, 1, 31));
        store.set_chat_closing(&later).unwrap();
        assert_eq!(store.chat_closings().unwrap(), [later.clone(), max.clone()]);
        store.remove_chat_closing(max.platform).unwrap();
        assert_eq!(store.chat_closings().unwrap(), [later]);
        assert!(matches!(
            store.remove_chat_closing(max.platform),
            Err(StoreError::NoClosing("VK Мессенджер"))
        ));
    });
}

/// A per-school snapshot of `myschool` at `as_of` with counts of use: (ИНН, name, header, value).
fn with_counts(as_of: Date, sha: &str, counts: &[(&str, &str, &str, u64)]) -> NewSnapshot {
    NewSnapshot {
        kind: SnapshotKind::PerSchool,
        usage: vec![],
        usage_counts: counts
            .iter()
            .map(|&(org, name, header, value)| UsageCountRecord {
                org: OrgId::normalize(org).unwrap(),
                count: SchoolCount {
                    name: name.into(),
                    header: header.into(),
                    value,
                },
            })
            .collect(),
        ..usage(as_of, sha, 0)
    }
}

#[test]
fn counts_of_use_are_saved_with_the_snapshot_and_read_back_for_its_date() {
    crate::testing::each_engine(|mut store| {
        let september = date(2026, 9, 1);
        let october = date(2026, 10, 1);
        store
            .save_snapshot(&with_counts(
                september,
                "s",
                &[("0500000001", "lessons", "Уроков проведено", 90)],
            ))
            .unwrap();
        store
            .save_snapshot(&with_counts(
                october,
                "o",
                &[
                    ("0500000002", "вебинаров", "Вебинаров", 3),
                    ("0500000001", "lessons", "Уроков проведено", 120),
                    ("0500000001", "marks", "Выставлено оценок", 4_000_000_000),
                ],
            ))
            .unwrap();
        let uses_at = |as_of| {
            let snapshot = store.current_at("myschool", as_of).unwrap().unwrap();
            store.platform_counts(&snapshot).unwrap().uses
        };
        let october_uses = uses_at(october);
        let first = OrgId::normalize("0500000001").unwrap();
        let second = OrgId::normalize("0500000002").unwrap();
        // By school, each school's counts by name; a value past 32 bits survives.
        assert_eq!(
            october_uses[&first]
                .iter()
                .map(|c| (c.name.as_str(), c.header.as_str(), c.value))
                .collect::<Vec<_>>(),
            [
                ("lessons", "Уроков проведено", 120),
                ("marks", "Выставлено оценок", 4_000_000_000),
            ]
        );
        assert_eq!(october_uses[&second][0].value, 3);
        // Each date reads its own snapshot's counts.
        let september_uses = uses_at(september);
        assert_eq!(september_uses.len(), 1);
        assert_eq!(september_uses[&first][0].value, 90);
        // Every name once, over the dates; none for another platform.
        assert_eq!(
            store.count_names("myschool").unwrap(),
            ["lessons", "marks", "вебинаров"]
        );
        assert!(store.count_names("sferum").unwrap().is_empty());
    });
}

#[test]
fn db_copy_copies_counts_of_use() {
    crate::testing::each_engine(|mut store| {
        store
            .save_snapshot(&with_counts(
                date(2026, 10, 1),
                "o",
                &[("0500000001", "lessons", "Уроков проведено", 120)],
            ))
            .unwrap();
        let target_db = crate::testing::TestDb::sqlite();
        let mut target = Store::connect(target_db.location()).unwrap();
        let tables = store.copy_to(&mut target).unwrap();
        let copied = tables.iter().find(|t| t.table == "usage_count").unwrap();
        assert_eq!(copied.rows, 1);
        let snapshot = target
            .current_at("myschool", date(2026, 10, 1))
            .unwrap()
            .unwrap();
        let uses = target.platform_counts(&snapshot).unwrap().uses;
        let count = &uses[&OrgId::normalize("0500000001").unwrap()][0];
        assert_eq!(
            (count.name.as_str(), count.header.as_str(), count.value),
            ("lessons", "Уроков проведено", 120)
        );
    });
}
