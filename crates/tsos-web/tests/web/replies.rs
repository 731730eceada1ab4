//! Notices and the schools' replies: a school replies about an indicator a letter named, an
//! authority in its scope returns the reply with a comment, the school replies again and the
//! reply is accepted; nobody sees or acts on a school outside their scope, and no form goes
//! through without the session's token.

use axum::http::{StatusCode, header};
use jiff::civil::date;
use tsos_domain::{Role, Shortfall};
use tsos_store::NewLetter;

use crate::util::*;

/// Letter 1 to schools, naming the teachers of «Моя школа» in A1 and B1.
fn with_letter(app: &TestApp) -> i64 {
    let item = |org: &str, name: &str| Shortfall {
        org_id: org.to_string(),
        name: name.to_string(),
        platform: "myschool".to_string(),
        role: Role::Teachers,
        share: Some(0.5),
        target: Some(0.8),
        active: 5,
        contingent: Some(10),
    };
    app.store()
        .save_letter(&NewLetter {
            number: "17-05/112".into(),
            date: date(2023, 10, 12),
            as_of: date(2023, 10, 1),
            deadline: date(2023, 10, 20),
            addressees: "schools".into(),
            files: vec![],
            items: vec![
                item(SCHOOL_A1, "МБОУ «СОШ №1»"),
                item(SCHOOL_B1, "МКОУ «Бетинская СОШ»"),
            ],
        })
        .expect("letter")
}

fn reply_url(inn: &str) -> String {
    format!("/notices/school/{inn}/reply")
}

/// The fields of a reply about the letter's teachers of «Моя школа», due a year from now.
fn reply_fields(letter: &str, text: &'static str) -> Vec<(&'static str, String)> {
    let due = (tsos_app::today() + jiff::ToSpan::days(365)).to_string();
    vec![
        ("letter", letter.to_string()),
        ("platform", "myschool".into()),
        ("role", "teachers".into()),
        ("reason", "no_accounts".into()),
        ("text", text.into()),
        (
            "measures",
            "заведем учетные записи и проведем инструктаж".into(),
        ),
        ("expected_by", due),
    ]
}

fn borrowed<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The id of the reply a review form on `page` is for.
fn review_id(page: &str) -> String {
    let start = page
        .find("action=\"/notices/reply/")
        .unwrap_or_else(|| panic!("a review form: {page}"))
        + "action=\"/notices/reply/".len();
    page[start..].split('/').next().unwrap().to_string()
}

#[tokio::test]
async fn a_school_replies_the_municipality_returns_then_accepts() {
    let app = TestApp::new();
    let letter = with_letter(&app).to_string();
    let school = app.login("school_a").await;
    let page = app.get("/notices", &school).await.text();
    assert!(
        page.contains("ФГИС «Моя школа», педагоги")
            && page.contains("№ 17-05/112 от 12.10.2023")
            && page.contains("нет ответа")
            && page.contains("Отправить ответ"),
        "{page}"
    );
    assert!(!page.contains("Бетинская"), "another school's notice");

    let pdf = b"%PDF-1.7\n%plan\n".to_vec();
    let fields = reply_fields(&letter, "у пяти учителей нет учетных записей");
    let sent = app
        .upload(
            &reply_url(SCHOOL_A1),
            &school,
            &borrowed(&fields),
            ("план мер.docx", &pdf),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    let page = app.get(sent.location(), &school).await.text();
    assert!(
        page.contains("Ответ отправлен.")
            && page.contains("ответ дан")
            && page.contains("нет учетных записей у части работников: у пяти учителей")
            && page.contains("план мер.pdf (документ PDF, 1 КБ)"),
        "{page}"
    );

    // The municipality of A sees it among the replies to review; B's sees nothing of A.
    let muni_a = app.login("muni_a").await;
    let page = app.get("/notices?state=replied", &muni_a).await.text();
    assert!(
        page.contains("МБОУ «СОШ №1»") && page.contains("Принять"),
        "{page}"
    );
    assert!(!page.contains("Бетинская"), "{page}");
    let id = review_id(&page);
    let muni_b = app.login("muni_b").await;
    let page = app.get("/notices", &muni_b).await.text();
    assert!(
        !page.contains("СОШ №1") && page.contains("Бетинская"),
        "{page}"
    );
    let foreign = app
        .post(
            &format!("/notices/reply/{id}/review"),
            &muni_b,
            &[("decision", "accept")],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("/notices/reply/{id}/file"), &muni_b)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let file = app.get(&format!("/notices/reply/{id}/file"), &muni_a).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(
        file.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(file.body, pdf);

    // A return needs a comment.
    let bare = app
        .post(
            &format!("/notices/reply/{id}/review"),
            &muni_a,
            &[("decision", "return"), ("comment", " ")],
        )
        .await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bare.text().contains("напишите школе, что исправить"));
    let returned = app
        .post(
            &format!("/notices/reply/{id}/review"),
            &muni_a,
            &[
                ("decision", "return"),
                ("comment", "укажите, сколько учителей и к какому дню"),
                ("state", "replied"),
            ],
        )
        .await;
    assert_eq!(
        returned.status,
        StatusCode::SEE_OTHER,
        "{}",
        returned.text()
    );
    assert_eq!(returned.location(), "/notices?state=replied&done=return");
    let again = app
        .post(
            &format!("/notices/reply/{id}/review"),
            &muni_a,
            &[("decision", "accept")],
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "reviewed once"
    );

    // The school sees the comment and replies again; both replies are on the page.
    let page = app.get("/notices", &school).await.text();
    assert!(
        page.contains("возвращен на доработку — «укажите, сколько учителей и к какому дню»")
            && page.contains("Ответить еще раз"),
        "{page}"
    );
    let fields = reply_fields(&letter, "у 5 из 10 учителей нет записей, заведем к 25.10");
    let sent = app
        .upload(
            &reply_url(SCHOOL_A1),
            &school,
            &borrowed(&fields),
            ("", b""),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());

    let page = app.get("/notices?state=replied", &muni_a).await.text();
    let second = review_id(&page);
    assert_ne!(second, id);
    let accepted = app
        .post(
            &format!("/notices/reply/{second}/review"),
            &muni_a,
            &[("decision", "accept"), ("comment", "")],
        )
        .await;
    assert_eq!(
        accepted.status,
        StatusCode::SEE_OTHER,
        "{}",
        accepted.text()
    );
    let page = app.get("/notices?state=accepted", &muni_a).await.text();
    assert!(
        page.contains("МБОУ «СОШ №1»") && !page.contains("Принять"),
        "{page}"
    );
    let page = app.get("/notices", &school).await.text();
    assert!(
        page.contains("принят")
            && page.contains("у пяти учителей")
            && page.contains("у 5 из 10 учителей")
            && !page.contains("Отправить ответ"),
        "{page}"
    );
    // An accepted reply is the last word.
    let late = app
        .upload(
            &reply_url(SCHOOL_A1),
            &school,
            &borrowed(&fields),
            ("", b""),
        )
        .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Everything is in the audit log.
    let log = app.get("/audit", &app.login("admin").await).await.text();
    for line in [
        "ответ школы",
        "рассмотрение ответа",
        "возвращен на доработку: «укажите, сколько учителей и к какому дню»",
        "файл «план мер.pdf»",
    ] {
        assert!(log.contains(line), "{line}: {log}");
    }
}

#[tokio::test]
async fn nobody_replies_for_another_school_and_no_form_goes_without_its_token() {
    let app = TestApp::new();
    let letter = with_letter(&app).to_string();
    let fields = reply_fields(&letter, "сбой входа");
    let school_b = app.login("school_b").await;
    let muni_a = app.login("muni_a").await;
    let admin = app.login("admin").await;
    // Another school, an authority and even an admin cannot reply in A's name.
    for session in [&school_b, &muni_a, &admin] {
        let reply = app
            .upload(
                &reply_url(SCHOOL_A1),
                session,
                &borrowed(&fields),
                ("", b""),
            )
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
    }
    // A school reviews nothing, and replies only about what a letter named.
    let school_a = app.login("school_a").await;
    let mut other = fields.clone();
    other[2].1 = "students".into();
    let unnamed = app
        .upload(
            &reply_url(SCHOOL_A1),
            &school_a,
            &borrowed(&other),
            ("", b""),
        )
        .await;
    assert_eq!(unnamed.status, StatusCode::NOT_FOUND);
    // Without the form's token: refused, nothing stored.
    let forged = app
        .send_multipart(
            &reply_url(SCHOOL_A1),
            &school_a.cookie,
            &borrowed(&fields),
            ("", b""),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(app.store().replies(1).unwrap().is_empty());

    // A file that is not what the list allows, whatever its name: refused with the reason.
    let exe = app
        .upload(
            &reply_url(SCHOOL_A1),
            &school_a,
            &borrowed(&fields),
            ("план.pdf", b"MZ\x90\0 not a pdf"),
        )
        .await;
    assert_eq!(exe.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        exe.text().contains("PDF, DOCX, XLSX, PNG или JPEG"),
        "{}",
        exe.text()
    );
    assert!(app.store().replies(1).unwrap().is_empty());

    let sent = app
        .upload(
            &reply_url(SCHOOL_A1),
            &school_a,
            &borrowed(&fields),
            ("", b""),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    let id = app.store().replies(1).unwrap()[0].id;
    let review = format!("/notices/reply/{id}/review");
    let forged = app
        .post_form(&review, &muni_a.cookie, &[("decision", "accept")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let by_school = app
        .post(&review, &school_a, &[("decision", "accept")])
        .await;
    assert_eq!(by_school.status, StatusCode::FORBIDDEN);
    let by_other = app
        .post(&review, &school_b, &[("decision", "accept")])
        .await;
    assert_eq!(by_other.status, StatusCode::NOT_FOUND);
    assert!(app.store().replies(1).unwrap()[0].reviews.is_empty());
    // The region reviews any school of its region.
    let region = app.login("region").await;
    let done = app.post(&review, &region, &[("decision", "accept")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
}

#[tokio::test]
async fn the_followup_shows_delivery_and_replies_in_scope() {
    let app = TestApp::new();
    let letter = with_letter(&app);
    let a1 = tsos_domain::OrgId::normalize(SCHOOL_A1).unwrap();
    app.store()
        .log_delivery(
            letter,
            &a1,
            tsos_domain::email::MailKind::Notice,
            "a1@school.ru",
            tsos_domain::email::DeliveryResult::Sent,
            "250 Ok",
        )
        .unwrap();
    let school = app.login("school_a").await;
    let fields = reply_fields(&letter.to_string(), "сбой входа");
    let sent = app
        .upload(
            &reply_url(SCHOOL_A1),
            &school,
            &borrowed(&fields),
            ("", b""),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());

    let muni_a = app.login("muni_a").await;
    let page = app.get("/followup", &muni_a).await.text();
    assert!(
        page.contains("Контроль исполнения письма № 17-05/112 от 12.10.2023"),
        "{page}"
    );
    let row = page
        .split("<tr>")
        .find(|row| row.contains(SCHOOL_A1))
        .unwrap_or_else(|| panic!("{page}"));
    for cell in [
        "ФГИС «Моя школа», педагоги",
        "80,0 %",
        "50,0 %",
        "отправлено",
        "ответ дан",
    ] {
        assert!(row.contains(cell), "{cell}: {row}");
    }
    assert!(!page.contains(SCHOOL_B1), "another municipality's school");
    let page = app
        .get("/followup", &app.login("muni_b").await)
        .await
        .text();
    let row = page
        .split("<tr>")
        .find(|row| row.contains(SCHOOL_B1))
        .unwrap_or_else(|| panic!("{page}"));
    assert!(
        row.contains("не отправлялось") && row.contains("нет ответа"),
        "{row}"
    );
    assert!(!page.contains(SCHOOL_A1));
}

#[tokio::test]
async fn an_administrator_sends_a_notice_again_by_the_path_of_notices_send() {
    // A port nothing listens on. A message the server takes is tested against a real one in
    // tsos-cli's `mail.rs`; here, that the button goes the same way and is logged.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("tsos-letter.toml");
    std::fs::write(
        &settings,
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\nfrom = \"uo@example.ru\"\n"
        ),
    )
    .unwrap();
    let app = Fixture::four_schools().serve_with(|config| {
        config.letter_settings = Some(settings.clone());
    });
    app.import(
        "registry",
        "реестр-почта.csv",
        &format!(
            "ИНН;Полное наименование ОО;Муниципальное образование;Субъект РФ;\
             Численность педагогических работников;Численность обучающихся;Электронная почта\n\
             {SCHOOL_A1};МБОУ «СОШ №1»;{MUNI_A};{REGION};10;40;sosh1@example.ru\n"
        ),
        date(2023, 10, 1),
    );
    let letter = tsos_app::letters::write_letter(
        &mut app.store(),
        &tsos_domain::Catalogue::builtin(),
        &tsos_app::letters::LetterRequest {
            as_of: date(2023, 10, 1),
            deadline: date(2023, 10, 20),
            date: date(2023, 10, 12),
            to: tsos_letter::Addressees::Schools,
            template: tsos_letter::DEFAULT_TEMPLATE,
            settings: &tsos_letter::LetterSettings::default(),
            notices: false,
            out_dir: &dir.path().join("Письма"),
        },
    )
    .unwrap()
    .letter_id
    .to_string();

    let admin = app.login("admin").await;
    let page = app
        .get(&format!("/followup?letter={letter}"), &admin)
        .await
        .text();
    assert!(page.contains("Отправить снова"), "{page}");
    let resend = |org: &'static str| [("letter", letter.clone()), ("org", org.to_string())];
    let fields = resend(SCHOOL_A1);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();

    // Only an administrator, and only with the form's token.
    let muni_a = app.login("muni_a").await;
    assert_eq!(
        app.post("/followup/resend", &muni_a, &fields).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_form("/followup/resend", &admin.cookie, &fields)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert!(app.store().deliveries(1).unwrap().is_empty());

    // A server that does not answer stops the run before any attempt, as in `tsos notices
    // send`: the page says why, and nothing is logged as tried.
    let failed = app.post("/followup/resend", &admin, &fields).await;
    assert_eq!(failed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        failed.text().contains(&format!(
            "не отправлено: SMTP-сервер 127.0.0.1:{port}: ошибка соединения"
        )),
        "{}",
        failed.text()
    );
    assert!(app.store().deliveries(1).unwrap().is_empty());
    let audit = app.get("/audit", &admin).await.text();
    assert!(
        audit.contains("повторная отправка уведомления")
            && audit.contains(&format!("школа {SCHOOL_A1}: не отправлено")),
        "{audit}"
    );
}
