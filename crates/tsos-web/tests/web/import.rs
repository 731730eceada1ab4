//! Importing in the browser: the preview, a column given its meaning, a replacement by far
//! less, a name without ИНН, users without an organisation, and uploads that are hostile or
//! too big.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jiff::civil::date;
use tower::ServiceExt;

use crate::util::*;

#[tokio::test]
async fn import_shows_a_preview_and_stores_only_on_confirmation() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    let november = users_csv(date(2023, 11, 1), true);
    let preview = app
        .upload(
            "/import/preview",
            &admin,
            &[("dataset", "myschool"), ("as_of", "")],
            ("ноябрь.csv", november.as_bytes()),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    let html = preview.text();
    assert!(html.contains("01.11.2023 (из заголовка файла)"), "{html}");
    assert!(
        html.contains("«Дата последней авторизации»") && html.contains("дата последней активности")
    );
    assert!(
        html.contains("по пользователям") && html.contains("4 ОО, 132 пользователя"),
        "{html}"
    );
    assert!(
        html.contains("<td class=\"num\">3</td>"),
        "first rows with their line numbers"
    );
    assert!(!html.contains("Иванов"), "full names are never shown");
    assert!(html.contains("4 из 4 школ реестра на 01.11.2023"), "{html}");
    let before = app.store().snapshots().unwrap().len();
    assert_eq!(before, 4, "a preview stores nothing");
    // Another account cannot confirm this upload, nor can anyone without its token.
    let token = token_in(&html);
    let confirm = app
        .post("/import/confirm", &admin, &[("token", "not-the-token")])
        .await;
    assert_eq!(confirm.status, StatusCode::BAD_REQUEST);
    let confirm = app
        .post("/import/confirm", &admin, &[("token", &token)])
        .await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.text());
    assert!(
        confirm.text().contains("Сохранено: снимок №5."),
        "{}",
        confirm.text()
    );
    let snapshots = app.store().snapshots().unwrap();
    assert_eq!(snapshots.len(), 5);
    assert!(
        snapshots.iter().any(|s| s.file_name == "ноябрь.csv"),
        "the lineage keeps the file's name"
    );
    let dates = app.get("/api/dates", &admin).await.json();
    assert_eq!(dates["dates"][2], "2023-11-01");
    // The figures follow the new data at once.
    let home = app.get("/", &admin).await.text();
    assert!(
        home.contains("<option value=\"2023-11-01\" selected>"),
        "{home}"
    );
    // A file with a bad row: the preview names the line and offers to skip it.
    let bad = format!("{november}x1;А Б;Учитель;{SCHOOL_A1};Да;31.02.2023\n");
    let lines = bad.lines().count();
    let preview = app
        .upload(
            "/import/preview",
            &admin,
            &[("dataset", "myschool"), ("as_of", "2023-12-01")],
            ("декабрь.csv", bad.as_bytes()),
        )
        .await;
    let html = preview.text();
    assert!(
        html.contains(&format!(
            "декабрь.csv:{lines}: column «Дата последней авторизации»"
        )),
        "{html}"
    );
    assert!(html.contains("Импортировать без ошибочных строк"));
    // A meaning may be at fault: the columns are shown with their drop-downs.
    assert_eq!(selected_in(&html, "col5"), "last_date");
    let confirm = app
        .post(
            "/import/confirm",
            &admin,
            &[("token", &token_in(&html)), ("skip_invalid", "1")],
        )
        .await;
    assert!(confirm.text().contains("отклонено 1"), "{}", confirm.text());
    let audit = app.get("/audit", &admin).await.text();
    assert!(audit.contains("импорт") && audit.contains("ноябрь.csv"));
    // Only an admin imports.
    let region = app.login("region").await;
    let refused = app
        .upload(
            "/import/preview",
            &region,
            &[("dataset", "myschool")],
            ("x.csv", b"x"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

/// Files that are no workbook, sent as one, are answered with what is wrong; the server goes
/// on answering and keeps none of them.
#[tokio::test]
async fn hostile_uploads_leave_the_server_answering_and_nothing_on_disk() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    // A ZIP header over noise, and bytes that are not even a ZIP.
    let mut fake_zip = b"PK\x03\x04".to_vec();
    fake_zip.extend((0..10_000_u32).map(|i| (i.wrapping_mul(7919) % 251) as u8));
    for body in [fake_zip.as_slice(), b"\x00\x01\x02 garbage".as_slice()] {
        let reply = app
            .upload(
                "/import/preview",
                &admin,
                &[("dataset", "myschool"), ("as_of", "2023-11-01")],
                ("выгрузка.xlsx", body),
            )
            .await;
        let html = reply.text();
        assert_eq!(reply.status, StatusCode::OK, "{html}");
        assert!(html.contains("книг"), "the page says what is wrong: {html}");
        assert!(
            !html.contains("name=\"token\""),
            "nothing to confirm: {html}"
        );
        assert!(!html.contains("/tmp"), "no folder of the server: {html}");
        assert_eq!(
            app.uploads_left(),
            0,
            "a file that cannot be imported is deleted"
        );
    }
    assert_eq!(app.get("/", &admin).await.status, StatusCode::OK);
}

/// An upload over the limit is refused with 413: at once when its length says so, and once it
/// grows past the limit when it is sent without one; the part already written is deleted.
#[tokio::test]
async fn an_upload_over_the_limit_is_refused_with_413_and_deleted() {
    use axum::body::Bytes;
    use http_body_util::channel::Channel;

    let app = TestApp::with_config(|config| config.max_upload_mb = 1);
    let admin = app.login("admin").await;
    let big = vec![b'x'; 2 << 20];
    let fields = [("csrf", admin.csrf.as_str()), ("dataset", "myschool")];
    let (content_type, body) = multipart(&fields, Some(("file", "big.csv", &big)));
    let declared = app
        .send(
            Request::post("/import/preview")
                .header(header::COOKIE, &admin.cookie)
                .header(header::CONTENT_TYPE, &content_type)
                .header(header::CONTENT_LENGTH, body.len())
                .body(Body::from(body.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(declared.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(declared.text().contains("1 МБ"), "{}", declared.text());
    assert_eq!(app.uploads_left(), 0);

    // The same form in chunks without a length: the file is written until the limit.
    let (mut sender, channel) = Channel::<Bytes>::new(2);
    let request = Request::post("/import/preview")
        .header(header::COOKIE, &admin.cookie)
        .header(header::CONTENT_TYPE, &content_type)
        .body(Body::new(channel))
        .unwrap();
    let reply = tokio::spawn(app.router.clone().oneshot(request));
    let mut seen_partial = false;
    for chunk in body.chunks(64 << 10) {
        if sender
            .send_data(Bytes::copy_from_slice(chunk))
            .await
            .is_err()
        {
            break;
        }
        seen_partial |= app.uploads_left() > 0;
    }
    drop(sender);
    let response = reply.await.unwrap().unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(seen_partial, "the file was being written");
    assert_eq!(app.uploads_left(), 0, "the partial file is deleted");
    assert_eq!(app.get("/", &admin).await.status, StatusCode::OK);
}

/// A per-user export whose ИНН column is headed «Код школы»: the preview finds no header and
/// shows every column with a drop-down; once «Код школы» means the organisation, the preview
/// is read again with it, and the confirmation saves the snapshot and the layout, which the
/// next file with that header is read with.
#[tokio::test]
async fn a_column_given_its_meaning_in_the_preview_is_read_so_and_remembered() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    let november = users_csv(date(2023, 11, 1), true).replace("ИНН ОО", "Код школы");
    let preview = app
        .upload(
            "/import/preview",
            &admin,
            &[("dataset", "myschool"), ("as_of", "")],
            ("код.csv", november.as_bytes()),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    let html = preview.text();
    assert!(html.contains("не найдена строка заголовков"), "{html}");
    assert!(html.contains("«Код школы»") && html.contains("не похож ни на один"));
    assert!(
        html.contains("Самая похожая — строка 2; ее столбцы в таблице ниже.")
            && !html.contains("--map"),
        "the table, not the command line's advice: {html}"
    );
    assert_eq!(selected_in(&html, "col3"), "ignore");
    assert_eq!(selected_in(&html, "col2"), "role");
    assert_eq!(selected_in(&html, "col1"), "", "ФИО is shown as such");
    assert!(html.contains("<option value=\"active:teachers\">активные: педагоги</option>"));
    assert!(!html.contains("/import/confirm"), "nothing to confirm yet");
    let token = token_in(&html);

    let remapped = app
        .post(
            "/import/remap",
            &admin,
            &[
                ("token", &token),
                ("col0", "user_id"),
                ("col1", ""),
                ("col2", "role"),
                ("col3", "organisation"),
            ],
        )
        .await;
    assert_eq!(remapped.status, StatusCode::OK, "{}", remapped.text());
    let html = remapped.text();
    assert_eq!(selected_in(&html, "col3"), "organisation");
    assert!(
        html.contains("<td class=\"why\">задано вами</td>"),
        "{html}"
    );
    assert!(html.contains("4 ОО, 132 пользователя"), "{html}");
    assert!(html.contains("<dt>Принято</dt><dd>132</dd>"), "{html}");
    assert!(html.contains("Импорт сохранит эту разметку"), "{html}");
    assert!(html.contains("4 из 4 школ реестра"), "{html}");
    assert_eq!(token_in(&html), token, "the same upload");
    // Only an admin changes an upload's layout.
    let region = app.login("region").await;
    let refused = app
        .post(
            "/import/remap",
            &region,
            &[("token", &token), ("col3", "ignore")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(app.store().snapshots().unwrap().len(), 4);

    let confirm = app
        .post("/import/confirm", &admin, &[("token", &token)])
        .await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.text());
    let text = confirm.text();
    assert!(text.contains("Сохранено: снимок №5."), "{text}");
    assert!(text.contains("Разметка столбцов сохранена"), "{text}");
    let store = app.store();
    assert_eq!(store.snapshots().unwrap().len(), 5);
    let profiles = store.profiles().unwrap();
    assert_eq!(profiles.len(), 1);
    assert_eq!(
        profiles[0].mapping,
        vec![("Код школы".to_string(), "organisation".to_string())]
    );
    assert_eq!(profiles[0].dataset, "myschool");

    // The next file with this header is read with the saved layout, and says so.
    let december = users_csv(date(2023, 12, 1), true).replace("ИНН ОО", "Код школы");
    let preview = app
        .upload(
            "/import/preview",
            &admin,
            &[("dataset", "myschool"), ("as_of", "")],
            ("код-декабрь.csv", december.as_bytes()),
        )
        .await;
    let html = preview.text();
    let id = profiles[0].id;
    assert!(
        html.contains(&format!(
            "Столбцы прочитаны по разметке №{id}, сохраненной при импорте файла «код.csv»"
        )),
        "{html}"
    );
    assert!(html.contains(&format!(
        "<td class=\"why\">по сохраненной разметке №{id}</td>"
    )));
    assert_eq!(selected_in(&html, "col3"), "organisation");
    let confirm = app
        .post("/import/confirm", &admin, &[("token", &token_in(&html))])
        .await;
    assert!(
        confirm
            .text()
            .contains(&format!("Столбцы прочитаны по сохраненной разметке №{id}.")),
        "{}",
        confirm.text()
    );
    // An unknown meaning is refused.
    let preview = app
        .upload(
            "/import/preview",
            &admin,
            &[("dataset", "myschool"), ("as_of", "2024-01-01")],
            ("код-январь.csv", december.as_bytes()),
        )
        .await;
    let refused = app
        .post(
            "/import/remap",
            &admin,
            &[("token", &token_in(&preview.text())), ("col3", "школа")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.text().contains("неизвестный смысл столбца"));
}

/// A file that would replace October's snapshot with one school's users: the preview warns,
/// a confirmation without the person's word is refused with 409 and changes nothing, and with
/// it the snapshot is replaced.
#[tokio::test]
async fn a_replacement_by_far_less_needs_the_persons_word() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    let others = [SCHOOL_A2, SCHOOL_B1, SCHOOL_B2];
    let one_school: String = users_csv(date(2023, 10, 1), true)
        .lines()
        .filter(|line| !others.iter().any(|inn| line.contains(inn)))
        .map(|line| format!("{line}\n"))
        .collect();
    let preview = app
        .upload(
            "/import/preview",
            &admin,
            &[("dataset", "myschool"), ("as_of", "")],
            ("октябрь-одна-школа.csv", one_school.as_bytes()),
        )
        .await;
    let html = preview.text();
    assert!(
        html.contains("В этом файле данных заметно меньше") && html.contains("ОО 1 вместо 4"),
        "{html}"
    );
    assert!(
        html.contains("name=\"replace\"") && html.contains("Заменить, хотя данных заметно меньше")
    );
    let current = |app: &TestApp| {
        app.store()
            .current_at("myschool", date(2023, 10, 1))
            .unwrap()
            .expect("October's snapshot")
            .id
    };
    let october = current(&app);
    let token = token_in(&html);

    let refused = app
        .post("/import/confirm", &admin, &[("token", &token)])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
    let html = refused.text();
    assert!(
        html.contains("Импорт не выполнен, данные не изменились"),
        "{html}"
    );
    assert!(
        html.contains("Снимок не заменен"),
        "the application's message: {html}"
    );
    assert!(
        html.contains("name=\"replace\""),
        "the preview again, with its checkbox"
    );
    assert_eq!(current(&app), october, "nothing changed");
    assert_eq!(app.store().snapshots().unwrap().len(), 4);

    let replaced = app
        .post(
            "/import/confirm",
            &admin,
            &[("token", &token_in(&html)), ("replace", "1")],
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text());
    assert!(
        replaced
            .text()
            .contains(&format!("он заменил снимок №{october} на ту же дату")),
        "{}",
        replaced.text()
    );
    assert_ne!(current(&app), october);
}

/// A per-school export that names its schools without ИНН, one name shared by two registry
/// schools: the preview offers both; a confirmation that leaves it is refused, one that
/// chooses saves the snapshot and remembers the choice.
#[tokio::test]
async fn a_name_without_inn_takes_the_school_a_person_chose_and_keeps_it() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    const SCHOOL_B3: &str = "0500000005";
    let registry = format!(
        "{}{SCHOOL_B3};МБОУ «СОШ №1»;{MUNI_B};{REGION};5;25\n",
        registry_csv()
    );
    app.import("registry", "реестр-5.csv", &registry, date(2023, 9, 1));
    let mut file = String::from(
        "Наименование ОО;Количество активных педагогов;Количество активных обучающихся\n",
    );
    for (_, name, _, teachers, students, _, _) in SCHOOLS {
        file.push_str(&format!("{name};{};{}\n", teachers / 2, students / 2));
    }
    let preview = app
        .upload(
            "/import/preview",
            &admin,
            &[("dataset", "sferum"), ("as_of", "2023-11-01")],
            ("без-инн.csv", file.as_bytes()),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK);
    let html = preview.text();
    assert!(
        html.contains("в реестре несколько ОО с таким названием"),
        "{html}"
    );
    assert!(html.contains("без-инн.csv:2"), "the name's line: {html}");
    for inn in [SCHOOL_A1, SCHOOL_B3] {
        assert!(
            html.contains(&format!("<option value=\"{inn}\">")),
            "{html}"
        );
    }
    assert_eq!(selected_in(&html, "name0"), "", "no school is guessed");
    assert!(html.contains("Загрузить без ОО, для которых школа не выбрана"));
    let token = token_in(&html);

    let refused = app
        .post("/import/confirm", &admin, &[("token", &token)])
        .await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_REQUEST,
        "{}",
        refused.text()
    );
    assert!(refused.text().contains("не все найдены в реестре"));
    assert_eq!(app.store().snapshots().unwrap().len(), 5);

    let saved = app
        .post(
            "/import/confirm",
            &admin,
            &[("token", &token), ("name0", SCHOOL_A1)],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    let text = saved.text();
    assert!(text.contains("Сохранено: снимок"), "{text}");
    assert!(text.contains("Школ в файле: 4"), "{text}");
    assert!(
        text.contains("Запомнены школы для названий без ИНН: 1"),
        "{text}"
    );
    let store = app.store();
    assert_eq!(
        store
            .name_match(&tsos_domain::names::school_key("МБОУ «СОШ №1»"), "")
            .unwrap()
            .as_deref(),
        Some(SCHOOL_A1)
    );
}

/// Users of rows that name no organisation are counted apart: the preview says so by role,
/// and the region's overview says what its figures leave out; a municipality's does not.
#[tokio::test]
async fn users_without_an_organisation_are_shown_apart_from_the_schools() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    let mut november = users_csv(date(2023, 11, 1), true);
    november.push_str(
        "x1;Сидоров;Учитель;;Да;31.10.2023\nx2;Сидорова;Учитель;;Да;\n\
         x3;Сидоров-мл;Обучающийся;;Да;31.10.2023\n",
    );
    let preview = app
        .upload(
            "/import/preview",
            &admin,
            &[("dataset", "myschool"), ("as_of", "")],
            ("ноябрь.csv", november.as_bytes()),
        )
        .await;
    let html = preview.text();
    assert!(html.contains("Не вошли в показатели ОО"), "{html}");
    assert!(
        html.contains(
            "Пользователей без организации (ИНН в строке не указан): 3 — педагоги 2, обучающиеся 1"
        ),
        "{html}"
    );
    let confirm = app
        .post("/import/confirm", &admin, &[("token", &token_in(&html))])
        .await;
    assert!(
        confirm
            .text()
            .contains("Пользователей без организации: 3 (педагоги 2, обучающиеся 1)"),
        "{}",
        confirm.text()
    );
    let overview = app.get("/", &admin).await.text();
    assert!(
        overview.contains(
            "ФГИС «Моя школа»: в выгрузке 3 пользователя без организации (педагоги 2, обучающиеся 1) — в показатели ОО не вошли."
        ),
        "{overview}"
    );
    let muni = app.login("muni_a").await;
    let page = app.get("/", &muni).await.text();
    assert!(!page.contains("без организации"), "{page}");
}

/// A per-school file of counts of use in the preview (issue 15): a recognised count is shown
/// as one, and a column a person calls a count is stored as one, named by its header.
#[tokio::test]
async fn counts_of_use_in_the_preview_are_read_and_a_column_can_be_made_one() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    let file = format!("ИНН;Уроков проведено;Вебинаров\n{SCHOOL_A1};120;7\n");
    let preview = app
        .upload(
            "/import/preview",
            &admin,
            &[("dataset", "myschool"), ("as_of", "2023-11-01")],
            ("counts.csv", file.as_bytes()),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    let html = preview.text();
    assert_eq!(selected_in(&html, "col1"), "count", "{html}");
    assert_eq!(selected_in(&html, "col2"), "ignore");
    let token = token_in(&html);
    let remapped = app
        .post(
            "/import/remap",
            &admin,
            &[
                ("token", &token),
                ("col0", "organisation"),
                ("col1", "count"),
                ("col2", "count"),
            ],
        )
        .await;
    assert_eq!(remapped.status, StatusCode::OK, "{}", remapped.text());
    assert_eq!(selected_in(&remapped.text(), "col2"), "count");
    let confirm = app
        .post("/import/confirm", &admin, &[("token", &token)])
        .await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.text());
    let store = app.store();
    let snapshot = store
        .current_at("myschool", date(2023, 11, 1))
        .unwrap()
        .unwrap();
    let uses = store.platform_counts(&snapshot).unwrap().uses;
    let counts: Vec<(String, u64)> = uses
        .values()
        .flatten()
        .map(|c| (c.name.clone(), c.value))
        .collect();
    assert_eq!(
        counts,
        [("lessons".to_string(), 120), ("вебинаров".to_string(), 7)]
    );
}
