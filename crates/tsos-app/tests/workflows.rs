//! The workflows the command line and the dashboard share, driven as they drive them: files
//! written to a temporary directory, a store in memory, the figures read back from a report.

use std::path::PathBuf;

use base64::Engine;
use jiff::civil::{Date, date};
use tsos_app::import::{ImportRequest, ProfileUse, commit_import, import_file, prepare_import};
use tsos_app::letters::{LetterRequest, write_letter};
use tsos_app::notices::{
    NoticesError, SendOutcome, SendRequest, SendState, notices_folder, plan_notices, send_notices,
};
use tsos_app::report::build_report;
use tsos_app::{AppError, at_risk};
use tsos_domain::email::DeliveryResult;
use tsos_domain::{Catalogue, Level, OrgId, Report, Role};
use tsos_ingest::header::{Mapping, MappingSource};
use tsos_letter::{Addressees, LetterSettings};
use tsos_mail::{Mail, Outbox, Refusal, Sender};
use tsos_store::Store;

const USERS_HEADER: &str =
    "ID пользователя;ФИО;Роль;ИНН ОО;Подтвержденная УЗ;Дата последней авторизации";

/// A store in memory and a directory for the files of one test.
struct Setup {
    store: Store,
    catalogue: Catalogue,
    dir: tempfile::TempDir,
}

impl Setup {
    /// A registry of three schools of Буйнакский район, 60 teachers and 600 students each,
    /// dated 01.09.2023.
    fn new() -> Setup {
        Setup::with(|_| Store::open_in_memory().unwrap())
    }

    /// As [`Setup::new`], the store a SQLite file `tsos.db` in the test's directory, where
    /// the key of the flows is made beside it.
    fn in_file() -> Setup {
        Setup::with(|dir| Store::open(&dir.join("tsos.db")).unwrap())
    }

    fn with(open: impl FnOnce(&std::path::Path) -> Store) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let mut setup = Setup {
            store: open(dir.path()),
            catalogue: Catalogue::builtin(),
            dir,
        };
        let mut registry = String::from(
            "ИНН;Полное наименование ОО;Муниципальное образование;Субъект РФ;\
             Численность педагогических работников;Численность обучающихся\n",
        );
        for (inn, name) in [
            ("0500000001", "МБОУ «СОШ №1»"),
            ("0500000002", "МБОУ «СОШ №2»"),
            ("0500000003", "МКОУ «Агачаульская СОШ»"),
        ] {
            registry.push_str(&format!(
                "{inn};{name};Буйнакский район;Республика Дагестан;60;600\n"
            ));
        }
        let path = setup.write("registry.csv", &registry);
        setup
            .import(&request("registry", &path, date(2023, 9, 1)))
            .unwrap();
        setup
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn import(
        &mut self,
        request: &ImportRequest<'_>,
    ) -> Result<tsos_app::import::ImportOutcome, AppError> {
        import_file(&mut self.store, &self.catalogue, request)
    }

    fn region(&self, as_of: Date) -> Report {
        build_report(&self.store, &self.catalogue, as_of, Level::Region).unwrap()
    }

    /// The region's share of active teachers on «Моя школа».
    fn teachers_share(&self, as_of: Date) -> Option<f64> {
        let row = &self.region(as_of).rows[0];
        row.platforms[0].as_ref().unwrap().get(Role::Teachers).share
    }
}

fn request<'a>(dataset: &'a str, path: &'a std::path::Path, as_of: Date) -> ImportRequest<'a> {
    ImportRequest {
        dataset,
        path,
        as_of: Some(as_of),
        skip_invalid: false,
        sheet: None,
        progress: None,
        replace: false,
        mapping: None,
        name_matches: &[],
        sample: 0,
        flow_key: None,
    }
}

/// A month of «Моя школа»: `per_school` active teachers in each of the three schools.
fn month(per_school: usize) -> String {
    let mut text = format!("{USERS_HEADER}\n");
    for school in 1..=3 {
        for user in 0..per_school {
            text.push_str(&format!(
                "u{school}-{user};Иванова А. Б.;Учитель;050000000{school};Да;15.09.2023\n"
            ));
        }
    }
    text
}

#[test]
fn an_import_counts_users_and_the_report_divides_by_the_registry() {
    let mut setup = Setup::new();
    let path = setup.write("october.csv", &month(45));
    let outcome = setup
        .import(&request("myschool", &path, date(2023, 10, 1)))
        .unwrap();
    assert_eq!(outcome.n_schools, 3);
    assert_eq!(outcome.n_users, Some(135));
    assert!(outcome.replaced.is_none());
    assert_eq!(setup.teachers_share(date(2023, 10, 1)), Some(135.0 / 180.0));
}

#[test]
fn a_prepared_import_writes_nothing_until_committed() {
    let mut setup = Setup::new();
    let path = setup.write("october.csv", &month(10));
    let request = request("myschool", &path, date(2023, 10, 1));
    let before = setup.store.snapshots().unwrap().len();
    let prepared = prepare_import(&setup.store, &setup.catalogue, &request).unwrap();
    assert_eq!(prepared.n_schools, 3);
    assert_eq!(setup.store.snapshots().unwrap().len(), before);

    commit_import(&mut setup.store, prepared, &request).unwrap();
    assert_eq!(setup.store.snapshots().unwrap().len(), before + 1);
    assert_eq!(setup.teachers_share(date(2023, 10, 1)), Some(30.0 / 180.0));
}

#[test]
fn a_far_smaller_file_replaces_the_month_only_when_asked() {
    let mut setup = Setup::new();
    let good = setup.write("good.csv", &month(50));
    setup
        .import(&request("myschool", &good, date(2023, 10, 1)))
        .unwrap();
    let share = setup.teachers_share(date(2023, 10, 1));

    // One school's rows only: a third of the schools and of the users.
    let small: String = month(50)
        .lines()
        .take(51)
        .map(|l| format!("{l}\n"))
        .collect();
    let small = setup.write("small.csv", &small);
    let mut again = request("myschool", &small, date(2023, 10, 1));
    let error = setup.import(&again).unwrap_err();
    let AppError::SuspectReplacement { replacement, .. } = &error else {
        panic!("{error}");
    };
    assert!(!replacement.shrinks.is_empty());
    assert!(error.to_string().contains("ОО 1 вместо 3"), "{error}");
    assert_eq!(setup.teachers_share(date(2023, 10, 1)), share, "replaced");

    again.replace = true;
    let outcome = setup.import(&again).unwrap();
    assert!(outcome.replaced.is_some());
    assert_eq!(setup.teachers_share(date(2023, 10, 1)), Some(50.0 / 180.0));
}

#[test]
fn a_name_without_inn_stops_until_a_person_matches_it_then_is_remembered() {
    let mut setup = Setup::new();
    let text = "Муниципальное образование;Наименование ОО;Количество активных педагогов\n\
                Буйнакский район;МБОУ «СОШ №1»;40\n\
                Буйнакский район;Школа-интернат имени Гамзатова;7\n";
    let path = setup.write("by_name.csv", text);
    let error = setup
        .import(&request("myschool", &path, date(2023, 10, 1)))
        .unwrap_err();
    let AppError::UnmatchedNames { names, .. } = &error else {
        panic!("{error}");
    };
    assert_eq!(names.len(), 1);
    assert_eq!(names[0].name, "Школа-интернат имени Гамзатова");
    assert!(!names[0].several);
    assert!(setup.store.snapshots().unwrap().len() == 1, "saved anyway");

    let matches = [(
        "Школа-интернат имени Гамзатова".to_string(),
        OrgId::normalize("0500000003").unwrap(),
    )];
    let mut matched = request("myschool", &path, date(2023, 10, 1));
    matched.name_matches = &matches;
    setup.import(&matched).unwrap();
    assert_eq!(setup.teachers_share(date(2023, 10, 1)), Some(47.0 / 180.0));

    // Next month the same name needs no choice.
    let path = setup.write("november.csv", text);
    setup
        .import(&request("myschool", &path, date(2023, 11, 1)))
        .unwrap();
    assert_eq!(setup.teachers_share(date(2023, 11, 1)), Some(47.0 / 180.0));
}

#[test]
fn a_mapping_given_once_is_saved_and_applied_to_the_next_file() {
    let mut setup = Setup::new();
    let text = "Код школы;Тип пользователя;Идентификатор;Подтверждение;Дата последней авторизации\n\
                0500000001;Учитель;1;Да;01.09.2023\n\
                0500000002;Учитель;2;Да;01.09.2023\n";
    let path = setup.write("september.csv", text);
    let unknown = setup.import(&request("myschool", &path, date(2023, 9, 1)));
    assert!(unknown.is_err(), "an unknown header is read anyway");

    let mapping = Mapping {
        entries: vec![Mapping::parse_entry("Код школы=organisation").unwrap()],
        source: MappingSource::Given,
    };
    let mut mapped = request("myschool", &path, date(2023, 9, 1));
    mapped.mapping = Some(&mapping);
    let outcome = setup.import(&mapped).unwrap();
    let Some(ProfileUse::Saved(profile)) = outcome.profile else {
        panic!("{:?}", outcome.profile);
    };

    let path = setup.write("october.csv", &text.replace("01.09.2023", "01.10.2023"));
    let outcome = setup
        .import(&request("myschool", &path, date(2023, 10, 1)))
        .unwrap();
    assert_eq!(outcome.profile, Some(ProfileUse::Applied(profile)));
    assert_eq!(setup.teachers_share(date(2023, 10, 1)), Some(2.0 / 180.0));
}

#[test]
fn a_failed_import_leaves_the_store_as_it_was() {
    let mut setup = Setup::new();
    let good = setup.write("good.csv", &month(20));
    setup
        .import(&request("myschool", &good, date(2023, 10, 1)))
        .unwrap();
    let before = setup.store.snapshots().unwrap();
    let bad = setup.write(
        "bad.csv",
        &format!("{USERS_HEADER}\nu1;А;Учитель;0500000001;Да;32.13.2023\n"),
    );
    let error = setup
        .import(&request("myschool", &bad, date(2023, 10, 1)))
        .unwrap_err();
    assert!(error.to_string().contains("bad.csv:2"), "{error}");
    assert_eq!(setup.store.snapshots().unwrap(), before);
    assert_eq!(setup.teachers_share(date(2023, 10, 1)), Some(60.0 / 180.0));
}

#[test]
fn a_report_says_what_is_missing() {
    let empty = Store::open_in_memory().unwrap();
    let catalogue = Catalogue::builtin();
    let error = build_report(&empty, &catalogue, date(2023, 10, 1), Level::School).unwrap_err();
    assert!(matches!(error, AppError::NoRegistry), "{error}");

    let mut setup = Setup::new();
    let path = setup.write("october.csv", &month(1));
    setup
        .import(&request("myschool", &path, date(2023, 10, 1)))
        .unwrap();
    let error = build_report(
        &setup.store,
        &setup.catalogue,
        date(2023, 11, 1),
        Level::Region,
    )
    .unwrap_err();
    let AppError::NoSnapshots { available, .. } = &error else {
        panic!("{error}");
    };
    assert_eq!(available, &["01.10.2023"]);
}

#[test]
fn at_risk_lists_the_users_whose_last_login_leaves_the_window_soon() {
    let setup = Setup::new();
    let text = format!(
        "{USERS_HEADER}\n\
         u1;Петров П. П.;Учитель;0500000001;Да;20.10.2022\n\
         u2;Сидоров С. С.;Учитель;0500000001;Да;15.09.2023\n\
         u3;Другой Д. Д.;Учитель;0500000002;Да;20.10.2022\n"
    );
    let path = setup.write("users.csv", &text);
    let list = at_risk::at_risk(
        &setup.catalogue,
        &at_risk::AtRiskRequest {
            platform: "myschool",
            path: &path,
            school: "0500000001",
            as_of: Some(date(2023, 10, 1)),
            horizon_days: 30,
            sheet: None,
        },
    )
    .unwrap();
    let names: Vec<_> = list
        .users
        .iter()
        .map(|user| user.full_name.as_deref())
        .collect();
    assert_eq!(names, [Some("Петров П. П.")]);
}

/// Stands in for the mail server: takes every message except those to `refuse`, and keeps
/// them.
struct FakeServer {
    refuse: Vec<String>,
    taken: Vec<Mail>,
    delivers: bool,
}

impl FakeServer {
    fn new(refuse: &[&str]) -> FakeServer {
        FakeServer {
            refuse: refuse.iter().map(|s| s.to_string()).collect(),
            taken: Vec::new(),
            delivers: true,
        }
    }
}

impl Outbox for FakeServer {
    fn send(&mut self, mail: &Mail) -> Result<String, Refusal> {
        if self.refuse.contains(&mail.to) {
            return Err(Refusal(format!(
                "550 5.1.1 <{}>: нет такого ящика",
                mail.to
            )));
        }
        self.taken.push(mail.clone());
        Ok("250 2.0.0 Ok: queued".into())
    }

    fn delivers(&self) -> bool {
        self.delivers
    }
}

impl Setup {
    /// October's registry with addresses — two for №2, a malformed one for the Агачаульская —
    /// half the teachers active (red against the built-in 100 %), and letter 1 with notices.
    /// The warnings of the registry's import.
    fn letter_with_notices(&mut self) -> Vec<String> {
        let registry = self.write(
            "реестр.csv",
            "ИНН;Полное наименование ОО;Муниципальное образование;Численность педагогических работников;Электронная почта\n\
             0500000001;МБОУ «СОШ №1»;Буйнакский район;60;sosh1@mail.ru\n\
             0500000002;МБОУ «СОШ №2»;Буйнакский район;60;\"sosh2@mail.ru; director2@mail.ru\"\n\
             0500000003;МКОУ «Агачаульская СОШ»;Буйнакский район;60;agach-mail.ru\n",
        );
        let warnings = self
            .import(&request("registry", &registry, date(2023, 10, 1)))
            .unwrap()
            .warnings;
        let users = self.write("october.csv", &month(30));
        self.import(&request("myschool", &users, date(2023, 10, 1)))
            .unwrap();
        write_letter(
            &mut self.store,
            &self.catalogue,
            &LetterRequest {
                as_of: date(2023, 10, 1),
                deadline: date(2023, 10, 20),
                date: date(2023, 10, 12),
                to: Addressees::Schools,
                template: tsos_letter::DEFAULT_TEMPLATE,
                settings: &LetterSettings::default(),
                notices: true,
                out_dir: &self.dir.path().join("Письма"),
            },
        )
        .unwrap();
        warnings
    }

    fn send(
        &mut self,
        outbox: &mut FakeServer,
        only: &[OrgId],
    ) -> Result<SendOutcome, NoticesError> {
        self.send_letter(1, outbox, only)
    }

    fn send_letter(
        &mut self,
        letter: i64,
        outbox: &mut FakeServer,
        only: &[OrgId],
    ) -> Result<SendOutcome, NoticesError> {
        let request = SendRequest {
            letter,
            settings: &LetterSettings::default(),
            only,
        };
        let plan = plan_notices(&self.store, &self.catalogue, &request)?;
        let from = Sender::parse("uo@example.ru").unwrap();
        send_notices(&mut self.store, plan, &from, outbox)
    }
}

fn state<'a>(outcome: &'a SendOutcome, org: &str) -> &'a SendState {
    &outcome.lines.iter().find(|l| l.org == org).unwrap().state
}

#[test]
fn a_malformed_address_is_a_warning_that_names_its_cell() {
    let mut setup = Setup::new();
    let warnings = setup.letter_with_notices();
    let warning = warnings
        .iter()
        .find(|w| w.contains("электронной почты"))
        .unwrap_or_else(|| panic!("{warnings:?}"));
    assert!(
        warning.starts_with(
            "реестр.csv:4: column «Электронная почта»: не адрес электронной почты: «agach-mail.ru»: нет знака @"
        ),
        "{warning}"
    );
    // The school is kept, with its contingent, and without an address.
    assert_eq!(setup.store.schools_at(date(2023, 10, 1)).unwrap().len(), 3);
    let emails = setup.store.school_emails().unwrap();
    assert_eq!(emails.len(), 2);
    assert_eq!(
        emails[&OrgId::normalize("0500000002").unwrap()],
        "sosh2@mail.ru, director2@mail.ru"
    );
}

#[test]
fn notices_go_once_and_a_refused_one_is_retried() {
    let mut setup = Setup::new();
    setup.letter_with_notices();
    let both = "sosh2@mail.ru, director2@mail.ru";
    let mut first = FakeServer::new(&[both]);
    let outcome = setup.send(&mut first, &[]).unwrap();
    assert_eq!(outcome.lines.len(), 3, "{:?}", outcome.lines);
    assert!(matches!(state(&outcome, "0500000001"), SendState::Sent(a) if a.starts_with("250")));
    assert!(
        matches!(state(&outcome, "0500000002"), SendState::Failed(a) if a.starts_with("550 5.1.1"))
    );
    assert_eq!(state(&outcome, "0500000003"), &SendState::NoAddress);

    // The message carries the files written beside the letter, byte for byte: lettre's base64
    // lines are 76 characters, and each file's first line tells it from any other.
    let dir = notices_folder(&outcome.letter);
    assert_eq!(outcome.dir, dir);
    let eml = String::from_utf8(first.taken[0].eml()).unwrap();
    for file in ["0500000001.pdf", "0500000001.docx"] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
        assert!(eml.contains(&encoded[..76]), "{file} attached");
    }

    let log = setup.store.deliveries(1).unwrap();
    let results: Vec<(&str, DeliveryResult)> =
        log.iter().map(|d| (d.org.as_str(), d.result)).collect();
    assert_eq!(
        results,
        [
            ("0500000001", DeliveryResult::Sent),
            ("0500000002", DeliveryResult::Failed),
            ("0500000003", DeliveryResult::NoAddress),
        ]
    );
    assert_eq!(log[1].address, both);
    assert!(
        log[1].answer.contains("нет такого ящика"),
        "{}",
        log[1].answer
    );

    // Next run: the server takes №2 now; №1 is not sent again.
    let mut second = FakeServer::new(&[]);
    let outcome = setup.send(&mut second, &[]).unwrap();
    assert!(matches!(
        state(&outcome, "0500000001"),
        SendState::SentBefore(_)
    ));
    assert!(matches!(state(&outcome, "0500000002"), SendState::Sent(_)));
    assert_eq!(second.taken.len(), 1);
    assert_eq!(second.taken[0].to, both);
    assert_eq!(setup.store.deliveries(1).unwrap().len(), 3 + 2);

    // The follow-up says, per school, whether the notice arrived.
    let followup = tsos_app::letters::followup(&setup.store, &setup.catalogue, Some(1)).unwrap();
    let delivered: Vec<(&str, Option<DeliveryResult>)> = followup
        .lines
        .iter()
        .map(|l| (l.item.org_id.as_str(), l.delivery))
        .collect();
    assert_eq!(
        delivered,
        [
            ("0500000001", Some(DeliveryResult::Sent)),
            ("0500000002", Some(DeliveryResult::Sent)),
            ("0500000003", Some(DeliveryResult::NoAddress)),
        ]
    );
}

#[test]
fn a_dry_run_logs_nothing_and_unknown_schools_and_letters_are_named() {
    let mut setup = Setup::new();
    setup.letter_with_notices();
    let mut dry = FakeServer::new(&[]);
    dry.delivers = false;
    let outcome = setup
        .send(&mut dry, &[OrgId::normalize("0500000002").unwrap()])
        .unwrap();
    assert_eq!(outcome.lines.len(), 1);
    assert!(matches!(
        state(&outcome, "0500000002"),
        SendState::Written(_)
    ));
    assert!(setup.store.deliveries(1).unwrap().is_empty());

    let err = setup
        .send(&mut dry, &[OrgId::normalize("0599999999").unwrap()])
        .unwrap_err();
    assert!(matches!(err, NoticesError::NoNotice { .. }), "{err}");
    assert!(err.to_string().contains("0599999999"), "{err}");
    let err = setup.send_letter(7, &mut dry, &[]).unwrap_err();
    assert!(err.to_string().contains("письмо №7 не найдено"), "{err}");
}

#[test]
fn a_school_replies_the_authority_returns_and_accepts_and_history_stays() {
    use tsos_app::replies::{ReplyError, Upload, reply_threads, review_reply, send_reply};
    use tsos_domain::replies::{
        AttachmentKind, NoticeReply, ReplyReason, ReplyState, ReviewDecision,
    };

    let mut setup = Setup::new();
    setup.letter_with_notices();
    let today = date(2023, 10, 14);
    let threads = reply_threads(&setup.store, |org| org == "0500000002").unwrap();
    assert_eq!(
        threads.len(),
        1,
        "one named indicator: «Моя школа», teachers"
    );
    assert_eq!(threads[0].state, ReplyState::NoReply);
    assert_eq!(threads[0].municipality, "Буйнакский район");
    let subject = threads[0].subject();
    let reply = |text: &str| NoticeReply {
        reason: ReplyReason::NoAccounts,
        text: text.to_string(),
        measures: "заведем учетные записи".to_string(),
        expected_by: date(2023, 10, 25),
    };

    // A file is kept under the extension of what it is, whatever its name said.
    let file = Upload {
        file_name: "план.docx".to_string(),
        bytes: b"%PDF-1.7 plan".to_vec(),
    };
    let first = send_reply(
        &mut setup.store,
        &subject,
        reply("у 30 учителей нет записей"),
        Some(file),
        "school2",
        today,
    )
    .unwrap();
    let attached = first.attachment.as_ref().unwrap();
    assert_eq!(
        (attached.file_name.as_str(), attached.kind),
        ("план.pdf", AttachmentKind::Pdf)
    );
    // A file that is none of the kinds, and an empty text, are refused with a reason.
    let html = Upload {
        file_name: "план.pdf".to_string(),
        bytes: b"<html>".to_vec(),
    };
    for (text, file) in [("причина", Some(html)), ("", None)] {
        let err = send_reply(
            &mut setup.store,
            &subject,
            reply(text),
            file,
            "school2",
            today,
        );
        assert!(matches!(err, Err(ReplyError::Invalid(_))), "{err:?}");
    }

    let returned = review_reply(
        &mut setup.store,
        first.id,
        ReviewDecision::Return,
        "назовите, сколько учителей и когда",
        "muni",
    )
    .unwrap();
    assert_eq!(returned.state, ReplyState::Returned);
    // Reviewed once: a second review of the same reply is refused.
    assert!(matches!(
        review_reply(
            &mut setup.store,
            first.id,
            ReviewDecision::Accept,
            "",
            "muni"
        ),
        Err(ReplyError::NotReviewable)
    ));

    let second = send_reply(
        &mut setup.store,
        &subject,
        reply("у 30 учителей из 60 нет записей"),
        None,
        "school2",
        today,
    )
    .unwrap();
    let accepted = review_reply(
        &mut setup.store,
        second.id,
        ReviewDecision::Accept,
        "",
        "muni",
    )
    .unwrap();
    assert_eq!(accepted.state, ReplyState::Accepted);
    assert_eq!(accepted.replies.len(), 2, "the first reply is kept");
    assert_eq!(
        accepted.replies[0].reviews[0].comment,
        "назовите, сколько учителей и когда"
    );
    assert!(matches!(
        send_reply(
            &mut setup.store,
            &subject,
            reply("ещё"),
            None,
            "school2",
            today
        ),
        Err(ReplyError::Accepted)
    ));

    // The follow-up says where the reply stands and what it promised; no notice was e-mailed.
    let followup = tsos_app::letters::followup(&setup.store, &setup.catalogue, Some(1)).unwrap();
    let line = followup
        .lines
        .iter()
        .find(|l| l.item.org_id == "0500000002")
        .unwrap();
    assert_eq!(
        (line.reply, line.expected_by, line.delivery),
        (ReplyState::Accepted, Some(date(2023, 10, 25)), None)
    );
    let other = followup
        .lines
        .iter()
        .find(|l| l.item.org_id == "0500000001")
        .unwrap();
    assert_eq!(
        (other.reply, other.expected_by),
        (ReplyState::NoReply, None)
    );

    // An indicator the letter did not name is no thread to reply to.
    let mut other = subject.clone();
    other.role = Role::Students;
    assert!(matches!(
        send_reply(&mut setup.store, &other, reply("x"), None, "school2", today),
        Err(ReplyError::NoIndicator(1))
    ));
}

#[test]
fn reminders_skip_schools_that_replied_and_remind_a_returned_one() {
    use tsos_app::reminders::{RemindError, RemindRequest, send_reminders};
    use tsos_app::replies::{reply_threads, review_reply, send_reply};
    use tsos_domain::replies::{NoticeReply, ReplyReason, ReviewDecision};

    let mut setup = Setup::new();
    setup.letter_with_notices();
    let reply = NoticeReply {
        reason: ReplyReason::Technical,
        text: "сбой входа".into(),
        measures: "обратились в поддержку".into(),
        expected_by: date(2023, 10, 30),
    };
    // №1 replied and was returned; №2 replied and waits for review; №3 has no address.
    for org in ["0500000001", "0500000002"] {
        let subject = reply_threads(&setup.store, |o| o == org).unwrap()[0].subject();
        let sent = send_reply(
            &mut setup.store,
            &subject,
            reply.clone(),
            None,
            "school",
            date(2023, 10, 14),
        )
        .unwrap();
        if org == "0500000001" {
            review_reply(
                &mut setup.store,
                sent.id,
                ReviewDecision::Return,
                "подробнее",
                "uo",
            )
            .unwrap();
        }
    }
    let from = Sender::parse("uo@example.ru").unwrap();
    let settings = LetterSettings::default();
    let mut remind = |today: Date, server: &mut FakeServer| {
        let request = RemindRequest {
            letter: 1,
            days: 3,
            today,
            settings: &settings,
        };
        send_reminders(&mut setup.store, &setup.catalogue, &request, &from, server)
    };
    let mut server = FakeServer::new(&[]);
    assert!(matches!(
        remind(date(2023, 10, 16), &mut server),
        Err(RemindError::TooEarly { .. })
    ));
    let outcome = remind(date(2023, 10, 17), &mut server).unwrap();
    let orgs: Vec<&str> = outcome.lines.iter().map(|l| l.org.as_str()).collect();
    assert_eq!(orgs, ["0500000001", "0500000003"], "№2 has replied");
    assert_eq!(server.taken.len(), 1);
    assert_eq!(server.taken[0].to, "sosh1@mail.ru");
    assert_eq!(outcome.lines[1].state, SendState::NoAddress);
    let again = remind(date(2023, 10, 18), &mut server).unwrap();
    assert!(matches!(again.lines[0].state, SendState::SentBefore(_)));
    assert_eq!(server.taken.len(), 1, "reminded once");
    assert!(matches!(
        remind(date(2023, 10, 21), &mut server),
        Err(RemindError::TooLate { .. })
    ));
    // The follow-up's delivery is the notice's, not the reminder's.
    let followup = tsos_app::letters::followup(&setup.store, &setup.catalogue, Some(1)).unwrap();
    assert!(followup.lines.iter().all(|l| l.delivery.is_none()));
}

#[test]
fn the_next_letter_knows_who_failed_and_did_not_reply() {
    use tsos_app::replies::{reply_threads, send_reply};
    use tsos_domain::replies::{NoticeReply, ReplyReason};

    let mut setup = Setup::new();
    setup.letter_with_notices();
    // №2 replies; nobody meets the target by November.
    let subject = reply_threads(&setup.store, |o| o == "0500000002").unwrap()[0].subject();
    let reply = NoticeReply {
        reason: ReplyReason::Technical,
        text: "сбой входа".into(),
        measures: "обратились в поддержку".into(),
        expected_by: date(2023, 11, 30),
    };
    send_reply(
        &mut setup.store,
        &subject,
        reply,
        None,
        "school2",
        date(2023, 10, 14),
    )
    .unwrap();
    let november = setup.write("november.csv", &month(10));
    setup
        .import(&request("myschool", &november, date(2023, 11, 1)))
        .unwrap();
    let outcome = write_letter(
        &mut setup.store,
        &setup.catalogue,
        &LetterRequest {
            as_of: date(2023, 11, 1),
            deadline: date(2023, 11, 20),
            date: date(2023, 11, 12),
            to: Addressees::Schools,
            template: tsos_letter::DEFAULT_TEMPLATE,
            settings: &LetterSettings::default(),
            notices: false,
            out_dir: &setup.dir.path().join("Письма2"),
        },
    )
    .unwrap();
    let repeated = &outcome.repeated[0];
    assert_eq!(repeated.names.len(), 3, "{repeated:?}");
    assert_eq!(
        repeated.unanswered,
        ["МБОУ «СОШ №1»", "МКОУ «Агачаульская СОШ»"]
    );
}

/// Counts of use of a per-school export (issue 15, item 4), as the report gives them.
mod counts_of_use {
    use super::*;
    use tsos_domain::{CountIndicator, Target};

    const HEADER: &str = "ИНН;Уроков проведено;Выставлено оценок;Домашних заданий\n";

    /// Two schools of Буйнакский район and one of Каспийск: teachers and students.
    fn setup() -> Setup {
        let mut setup = Setup {
            store: Store::open_in_memory().unwrap(),
            catalogue: Catalogue::builtin(),
            dir: tempfile::tempdir().unwrap(),
        };
        let path = setup.write(
            "registry.csv",
            "ИНН;Полное наименование ОО;Муниципальное образование;Субъект РФ;\
             Численность педагогических работников;Численность обучающихся\n\
             0500000011;СОШ №11;Буйнакский район;Республика Дагестан;40;400\n\
             0500000012;СОШ №12;Буйнакский район;Республика Дагестан;20;0\n\
             0500000013;Гимназия;Каспийск;Республика Дагестан;50;500\n",
        );
        setup
            .import(&request("registry", &path, date(2026, 9, 1)))
            .unwrap();
        setup
    }

    /// October's counts of the three schools: 800 lessons, 4,000 marks and 300 homework
    /// tasks; 200 and 1,000 and none given; 1,000, 6,000 and 500.
    const OCTOBER_COUNTS: &str =
        "0500000011;800;4000;300\n0500000012;200;1000;\n0500000013;1000;6000;500\n";

    fn import_counts(setup: &mut Setup, as_of: Date, rows: &str) {
        let path = setup.write(&format!("counts-{as_of}.csv"), &format!("{HEADER}{rows}"));
        setup.import(&request("myschool", &path, as_of)).unwrap();
    }

    /// The count `name` of platform `myschool` in the row `id` of the report at `level`.
    fn count(report: &Report, id: &str, name: &str) -> Option<CountIndicator> {
        let platform = report
            .platforms
            .iter()
            .position(|p| p.platform.code == "myschool")
            .unwrap();
        let row = report.rows.iter().find(|r| r.id == id).unwrap();
        row.uses[platform].get(name).copied()
    }

    fn close(actual: Option<f64>, expected: f64) -> bool {
        actual.is_some_and(|a| (a - expected).abs() < 1e-9)
    }

    #[test]
    fn summed_up_the_hierarchy_with_rates_and_the_change_since_last_month() {
        let mut setup = setup();
        let october = date(2026, 10, 1);
        import_counts(&mut setup, october, OCTOBER_COUNTS);
        let at = |level| build_report(&setup.store, &setup.catalogue, october, level).unwrap();
        let schools = at(Level::School);
        let a = count(&schools, "0500000011", "lessons").unwrap();
        assert_eq!(a.value, 800);
        assert!(close(a.per_100_students, 200.0), "{a:?}");
        assert!(close(a.per_teacher, 20.0), "{a:?}");
        // A school of no students has no rate per 100 of them; its empty cell no count.
        let b = count(&schools, "0500000012", "lessons").unwrap();
        assert_eq!((b.per_100_students, b.per_teacher), (None, Some(10.0)));
        assert_eq!(count(&schools, "0500000012", "homework"), None);
        // No previous snapshot: no change.
        assert_eq!((a.delta, a.delta_pct), (None, None));

        let municipalities = at(Level::Municipality);
        let buynaksk = count(&municipalities, "Буйнакский район", "lessons").unwrap();
        assert_eq!(buynaksk.value, 1000);
        // Sums over sums: 1000 lessons for 60 teachers and 400 students.
        assert!(close(buynaksk.per_teacher, 1000.0 / 60.0), "{buynaksk:?}");
        assert!(close(buynaksk.per_100_students, 250.0), "{buynaksk:?}");
        assert_eq!(
            count(&municipalities, "Буйнакский район", "homework").map(|c| c.value),
            Some(300)
        );
        assert_eq!(
            count(&municipalities, "Каспийск", "marks").map(|c| c.value),
            Some(6000)
        );

        let region = at(Level::Region);
        let lessons = count(&region, "Республика Дагестан", "lessons").unwrap();
        assert_eq!(lessons.value, 2000);
        assert!(close(lessons.per_teacher, 2000.0 / 110.0), "{lessons:?}");
        assert!(close(lessons.per_100_students, 2000.0 * 100.0 / 900.0));
        assert_eq!(
            count(&region, "Республика Дагестан", "marks").map(|c| c.value),
            Some(11000)
        );

        // A second month: the change against October, school by school and summed.
        let november = date(2026, 11, 1);
        import_counts(
            &mut setup,
            november,
            "0500000011;1000;4000;300\n0500000012;200;1000;\n0500000013;900;6000;500\n",
        );
        let at = |level| build_report(&setup.store, &setup.catalogue, november, level).unwrap();
        let schools = at(Level::School);
        let a = count(&schools, "0500000011", "lessons").unwrap();
        assert_eq!((a.delta, a.delta_pct), (Some(200), Some(25.0)));
        let b = count(&schools, "0500000012", "lessons").unwrap();
        assert_eq!((b.delta, b.delta_pct), (Some(0), Some(0.0)));
        let c = count(&schools, "0500000013", "lessons").unwrap();
        assert_eq!((c.delta, c.delta_pct), (Some(-100), Some(-10.0)));
        let buynaksk = count(&at(Level::Municipality), "Буйнакский район", "lessons").unwrap();
        assert_eq!(
            (buynaksk.delta, buynaksk.delta_pct),
            (Some(200), Some(20.0))
        );
        let region = count(&at(Level::Region), "Республика Дагестан", "lessons").unwrap();
        assert_eq!((region.value, region.delta), (2100, Some(100)));
        assert!(close(region.delta_pct, 5.0), "{region:?}");

        // JSON: `counts` under the platform of each row that has them.
        let json = tsos_report::json::to_value(&schools);
        let row = json["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "0500000011")
            .unwrap();
        assert_eq!(
            row["myschool"]["counts"]["lessons"],
            serde_json::json!({
                "value": 1000, "per_100_students": 250.0, "per_teacher": 25.0,
                "delta": 200, "delta_pct": 25.0,
            })
        );
        assert_eq!(
            row["myschool"]["teachers"]["active"],
            serde_json::Value::Null
        );
        assert_eq!(
            json["platforms"][0]["counts"][0],
            serde_json::json!({"name": "lessons", "title": "Уроков проведено"})
        );
        // The table: a section of its own, numbers as «1 000», rates «25,0», changes signed.
        let table = tsos_report::table::render(&schools);
        let section = table
            .split_once("Счетчики использования: ФГИС «Моя школа»")
            .unwrap_or_else(|| panic!("{table}"))
            .1;
        let line = section.lines().find(|l| l.contains("СОШ №11")).unwrap();
        let cells: Vec<&str> = line
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        assert_eq!(
            cells[1..6],
            ["1 000", "250,0", "25,0", "+200", "+25,0"],
            "{section}"
        );
        assert!(section.contains("Уроков проведено"), "{section}");
    }

    #[test]
    fn a_target_on_a_rate_gives_statuses_on_schools_and_on_sums() {
        let mut setup = setup();
        let october = date(2026, 10, 1);
        import_counts(&mut setup, october, OCTOBER_COUNTS);
        let target = |indicator: &str, level, value| Target {
            indicator: tsos_domain::IndicatorId::parse(indicator).unwrap(),
            level,
            from: date(2026, 9, 1),
            value,
        };
        // 20 lessons per teacher everywhere; 250 per 100 students for municipalities only.
        for t in [
            target("myschool.count.lessons.per_teacher", None, 20.0),
            target(
                "myschool.count.lessons.per_100_students",
                Some(Level::Municipality),
                250.0,
            ),
        ] {
            setup.store.set_target(&t).unwrap();
        }
        let at = |level| build_report(&setup.store, &setup.catalogue, october, level).unwrap();
        let targets = |report: &Report, id: &str| {
            let json = tsos_report::json::to_value(report);
            let row = json["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == id)
                .unwrap()
                .clone();
            row["myschool"]["counts"]["lessons"]["targets"].clone()
        };
        let schools = at(Level::School);
        // 800/40 = 20: at the target; 200/20 = 10: red; the other rate has no target.
        assert_eq!(
            targets(&schools, "0500000011"),
            serde_json::json!({"per_teacher": {"target": 20.0, "status": "green"}})
        );
        assert_eq!(
            targets(&schools, "0500000012"),
            serde_json::json!({"per_teacher": {"target": 20.0, "status": "red"}})
        );
        // Counts without a target keep the shape they had.
        let json = tsos_report::json::to_value(&schools);
        assert!(
            json["rows"][0]["myschool"]["counts"]["marks"]
                .get("targets")
                .is_none(),
            "{json}"
        );

        // Municipalities, from sums: Буйнакский район 1000/60 = 16,7 per teacher (red below
        // 18) and 250 per 100 students (green); Каспийск 20 (green) and 200 (red below 225).
        let municipalities = at(Level::Municipality);
        assert_eq!(
            targets(&municipalities, "Буйнакский район"),
            serde_json::json!({
                "per_100_students": {"target": 250.0, "status": "green"},
                "per_teacher": {"target": 20.0, "status": "red"},
            })
        );
        assert_eq!(
            targets(&municipalities, "Каспийск"),
            serde_json::json!({
                "per_100_students": {"target": 250.0, "status": "red"},
                "per_teacher": {"target": 20.0, "status": "green"},
            })
        );
        // The region: 2000/110 = 18,2 per teacher, within 10 % of 20.
        assert_eq!(
            targets(&at(Level::Region), "Республика Дагестан"),
            serde_json::json!({"per_teacher": {"target": 20.0, "status": "yellow"}})
        );

        // The table marks the rate and names the target under the section.
        let table = tsos_report::table::render(&schools);
        let section = table
            .split_once("Счетчики использования: ФГИС «Моя школа»")
            .unwrap_or_else(|| panic!("{table}"))
            .1;
        let line = |name: &str| section.lines().find(|l| l.contains(name)).unwrap();
        assert!(line("СОШ №11").contains("20,0 ✓"), "{section}");
        assert!(line("СОШ №12").contains("10,0 ✗"), "{section}");
        assert!(
            section.contains("Цели счетчиков: Уроков проведено на 1 педагога — 20."),
            "{section}"
        );
        // Without a target, no mark and no line.
        let plain = tsos_report::table::render(&{
            let mut report = schools.clone();
            for row in &mut report.rows {
                for count in row.uses.iter_mut().flat_map(|u| u.values_mut()) {
                    count.targets = Default::default();
                }
            }
            report
        });
        assert!(!plain.contains("Цели счетчиков"), "{plain}");
    }
}

/// Per-user rows of «Моя школа» at 01.10.2025 in the order nobody would write them: (id,
/// school, role, last login). The same user twice, far apart, merges into one.
fn users_file(users: &[(&str, u8, &str, &str)]) -> String {
    let mut rows: Vec<String> = users
        .iter()
        .map(|(id, school, role, last)| {
            format!("{id};Петрова В. Г.;{role};050000000{school};Да;{last}\n")
        })
        .collect();
    rows.reverse();
    format!("{USERS_HEADER}\n{}", rows.concat())
}

#[test]
fn flows_keep_hashes_of_active_users_and_no_id_anywhere_in_the_database() {
    let mut setup = Setup::in_file();
    let db = tsos_store::DbLocation::Sqlite(setup.dir.path().join("tsos.db"));
    let key = tsos_app::flow_key::for_database(None, &db)
        .unwrap()
        .unwrap();
    // Ids as platforms write them: long numbers, a leading zero, letters, spaces around.
    let users = [
        ("7304419025", 1, "Учитель", "20.09.2025"),
        ("0000917733", 1, "Учитель", "01.01.2020"),
        ("id-Ж7Q2xk", 1, "Ученик", "28.09.2025"),
        ("8816603341", 2, "Учитель", "02.09.2025"),
        (" 5529013377 ", 2, "Ученик", "03.09.2025"),
        ("7304419025", 2, "Учитель", "15.09.2025"),
        ("id-Ж7Q2xk", 1, "Ученик", "01.01.2021"),
    ];
    let path = setup.write("users.csv", &users_file(&users));
    let mut request = request("myschool", &path, date(2025, 10, 1));
    request.flow_key = Some(&key);
    let outcome = setup.import(&request).unwrap();
    let tsos_store::SaveOutcome::Saved { id, .. } = outcome.saved else {
        panic!("saved");
    };
    let keyed = setup.store.user_sets(id).unwrap().unwrap();
    assert_eq!(keyed.key_fingerprint, key.fingerprint());
    let set = |school: &str, role| {
        keyed.sets[&OrgId::normalize(school).unwrap()]
            .get(role)
            .clone()
    };
    let hashes = |ids: &[&str]| {
        let mut hashes: Vec<u64> = ids.iter().map(|id| key.hash(id.as_bytes())).collect();
        hashes.sort_unstable();
        hashes
    };
    // The teacher of 2020 is not active; the student's rows merge into one active user.
    assert_eq!(set("0500000001", Role::Teachers), hashes(&["7304419025"]));
    assert_eq!(set("0500000001", Role::Students), hashes(&["id-Ж7Q2xk"]));
    assert_eq!(
        set("0500000002", Role::Teachers),
        hashes(&["7304419025", "8816603341"])
    );
    assert_eq!(set("0500000002", Role::Students), hashes(&["5529013377"]));

    // Every table and column, as the bytes of the database's files: no id, no name.
    drop(setup.store);
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(setup.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("tsos.db") {
            bytes.extend(std::fs::read(&path).unwrap());
        }
    }
    assert!(bytes.len() > 4096, "the database was read");
    for needle in users.iter().map(|(id, ..)| id.trim()).chain(["Петрова"]) {
        let found = bytes
            .windows(needle.len())
            .any(|window| window == needle.as_bytes());
        assert!(!found, "«{needle}» is in the database");
    }
}

/// Three monthly files where every user's path is known: user `n` of a school and role is
/// active in month `m` where bit `m` of `n % 8` is set, so all eight paths occur (new in month
/// 2, lost in month 3, returned in month 3, …). A user not active in a month is left out of
/// its file, or there with a login long before.
#[test]
fn flows_over_four_months_equal_a_brute_force_count() {
    use std::collections::{BTreeMap, BTreeSet};
    use tsos_domain::Flows;
    use tsos_domain::flows::FlowsAbsence;

    let mut setup = Setup::new();
    let key = tsos_ingest::FlowKey::new(&[5; 32]);
    // A fourth month, so that the users active at some earlier date come from two snapshots:
    // 9 and 10 of each school (0b1001, 0b1010) return in it, from the first and the second.
    let months = [
        date(2025, 9, 1),
        date(2025, 10, 1),
        date(2025, 11, 1),
        date(2025, 12, 1),
    ];
    // (school, role) → active ids per month.
    let mut active: BTreeMap<(String, Role), [BTreeSet<String>; 4]> = BTreeMap::new();
    for (m, as_of) in months.iter().enumerate() {
        let mut text = format!("{USERS_HEADER}\n");
        for school in 1..=3u8 {
            for (role, word) in [(Role::Teachers, "Учитель"), (Role::Students, "Ученик")]
            {
                for n in 0..(8 * usize::from(school) + 3) {
                    let id = format!("{school}-{}-{n}", role.code());
                    let is_active = (n % 16) >> m & 1 == 1;
                    let last = if is_active {
                        format!("{:02}.{:02}.{}", 20, as_of.month() - 1, as_of.year())
                    } else if n % 3 == 0 {
                        // There, but not active: a login over a year before.
                        "01.01.2020".to_string()
                    } else {
                        continue;
                    };
                    text.push_str(&format!(
                        "{id};Иванов И. И.;{word};050000000{school};Да;{last}\n"
                    ));
                    if is_active {
                        active
                            .entry((format!("050000000{school}"), role))
                            .or_default()[m]
                            .insert(id);
                    }
                }
            }
        }
        let path = setup.write(&format!("month{m}.csv"), &text);
        let mut keyed = request("myschool", &path, *as_of);
        keyed.flow_key = Some(&key);
        setup.import(&keyed).unwrap();
    }
    let brute = |sets: &[BTreeSet<String>; 4], m: usize| -> Flows {
        let (now, before) = (&sets[m], &sets[m - 1]);
        let earlier: BTreeSet<&String> = sets[..m - 1].iter().flatten().collect();
        Flows {
            new: now
                .iter()
                .filter(|u| !before.contains(*u) && !earlier.contains(u))
                .count() as u64,
            returned: now
                .iter()
                .filter(|u| !before.contains(*u) && earlier.contains(u))
                .count() as u64,
            retained: now.intersection(before).count() as u64,
            lost: before.difference(now).count() as u64,
        }
    };
    let flows_of = |report: &Report, row: &str, role: Role| {
        let row = report.rows.iter().find(|r| r.id == row).unwrap();
        row.platforms[0].as_ref().unwrap().get(role).flows
    };
    // The first month starts the chain: no flows, and the report says why.
    let first = build_report(&setup.store, &setup.catalogue, months[0], Level::School).unwrap();
    assert_eq!(flows_of(&first, "0500000001", Role::Teachers), None);
    assert_eq!(
        first.platforms[0].flows_absent,
        Some(FlowsAbsence::NoPreviousMonth)
    );
    for m in 1..4 {
        let report =
            build_report(&setup.store, &setup.catalogue, months[m], Level::School).unwrap();
        let mut total = Flows::default();
        for ((school, role), sets) in &active {
            let expected = brute(sets, m);
            assert_eq!(
                flows_of(&report, school, *role),
                Some(expected),
                "{school} {role:?} month {m}"
            );
            assert_eq!(expected.active_now(), sets[m].len() as u64);
            if *role == Role::Teachers {
                total.add(expected);
            }
        }
        // The region sums its schools.
        let region =
            build_report(&setup.store, &setup.catalogue, months[m], Level::Region).unwrap();
        assert_eq!(
            region.rows[0].platforms[0]
                .as_ref()
                .unwrap()
                .get(Role::Teachers)
                .flows,
            Some(total)
        );
    }
    // Month 3 of school 1's teachers (n = 0..10) by name: 4 (month 3 only) is new, 5
    // (months 1 and 3) returned, 6 and 7 retained; 2 and 10 (month 2 only) and 3 (months 1
    // and 2) lost.
    let third = build_report(&setup.store, &setup.catalogue, months[2], Level::School).unwrap();
    let teachers = flows_of(&third, "0500000001", Role::Teachers).unwrap();
    assert_eq!(
        (
            teachers.new,
            teachers.returned,
            teachers.retained,
            teachers.lost
        ),
        (1, 1, 2, 3)
    );

    // Another key for the next month: a new chain, and the report says so.
    let other = tsos_ingest::FlowKey::new(&[6; 32]);
    let path = setup.write("january.csv", &month(3).replace("2023", "2026"));
    let mut january = request("myschool", &path, date(2026, 1, 1));
    january.flow_key = Some(&other);
    let outcome = setup.import(&january).unwrap();
    assert!(
        outcome.warnings.iter().any(|w| w.starts_with(
            "ключ потоков пользователей не тот, под которым сохранена выгрузка на 01.12.2025"
        )),
        "{:?}",
        outcome.warnings
    );
    let changed = build_report(
        &setup.store,
        &setup.catalogue,
        date(2026, 1, 1),
        Level::School,
    )
    .unwrap();
    assert_eq!(
        changed.platforms[0].flows_absent,
        Some(FlowsAbsence::KeyChanged)
    );
    let line = tsos_report::labels::flows_absent_line(&changed).unwrap();
    assert!(line.contains("другим ключом"), "{line}");
    // And without a key, no sets: flows are absent for that reason.
    let path = setup.write("february.csv", &month(3).replace("2023", "2026"));
    setup
        .import(&request("myschool", &path, date(2026, 2, 1)))
        .unwrap();
    let keyless = build_report(
        &setup.store,
        &setup.catalogue,
        date(2026, 2, 1),
        Level::School,
    )
    .unwrap();
    assert_eq!(keyless.platforms[0].flows_absent, Some(FlowsAbsence::NoKey));
}
