//! The page «Цели»: an administrator sets and removes targets — shares and rates of counts
//! of use —, every account reads them, and a target set here lights the school's page.

use axum::http::StatusCode;

use crate::util::*;

#[tokio::test]
async fn an_admin_sets_a_count_s_rate_target_from_the_page() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    // СОШ №1: 120 lessons of 10 teachers, 12 per teacher.
    let file = format!("ИНН;Подключено к MAX педагогов;Уроков проведено\n{SCHOOL_A1};9;120\n");
    app.import("max", "max.csv", &file, jiff::civil::date(2023, 10, 1));
    let page = app.get("/targets", &admin).await.text();
    assert!(page.contains("Целей не задано."), "{page}");
    // The form offers the rates of the counts loaded, in words.
    assert!(
        page.contains(r#"<option value="max.count.lessons.per_teacher">"#),
        "{page}"
    );

    // A percent is not a rate: said on the page, what was typed kept.
    let refused = app
        .post(
            "/targets",
            &admin,
            &[
                ("indicator", "max.count.lessons.per_teacher"),
                ("value", "90%"),
                ("from", "2023-09-01"),
                ("level", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    let html = refused.text();
    assert!(
        html.contains("Цель не задана: целевое значение «90%»"),
        "{html}"
    );
    assert!(html.contains("например 20 или 12,5"), "{html}");
    assert!(
        html.contains(r#"value="max.count.lessons.per_teacher""#),
        "{html}"
    );
    assert!(app.store().targets().unwrap().is_empty());

    let set = app
        .post(
            "/targets",
            &admin,
            &[
                ("indicator", "max.count.lessons.per_teacher"),
                ("value", "20"),
                ("from", "2023-09-01"),
                ("level", "school"),
            ],
        )
        .await
        .text();
    assert!(
        set.contains("Цель №1 задана: Мессенджер MAX (Сферум): уроков проведено на 1 педагога."),
        "{set}"
    );
    assert!(set.contains("<td class=\"num\">20</td>"), "{set}");
    assert!(
        set.contains("<td>общеобразовательные организации</td>"),
        "the level in words: {set}"
    );
    let stored = app.store().target_book().unwrap().targets;
    assert_eq!(
        (stored[0].indicator.to_string(), stored[0].value),
        ("max.count.lessons.per_teacher".to_string(), 20.0)
    );
    // 12 lessons per teacher against 20: red on the school's page.
    let school = app.get(&school_url(SCHOOL_A1), &admin).await.text();
    assert!(
        school.contains(r#"<td class="num cell red">12,0<"#),
        "{school}"
    );

    // Others read the targets but may not change them.
    let session = app.login("school_a").await;
    let html = app.get("/targets", &session).await.text();
    assert!(html.contains("уроков проведено на 1 педагога"), "{html}");
    assert!(!html.contains("Задать цель"), "read only: {html}");
    let refused = app
        .post(
            "/targets",
            &session,
            &[
                ("indicator", "myschool.teachers"),
                ("value", "50%"),
                ("from", "2023-09-01"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = app.post("/targets/1/remove", &session, &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let removed = app.post("/targets/1/remove", &admin, &[]).await.text();
    assert!(removed.contains("Цель №1 удалена."), "{removed}");
    assert!(app.store().targets().unwrap().is_empty());
    let again = app.post("/targets/1/remove", &admin, &[]).await.text();
    assert!(again.contains("Цели №1 нет"), "{again}");
    let audit = app.get("/audit", &admin).await.text();
    assert!(
        audit.contains("цель задана") && audit.contains("цель удалена"),
        "{audit}"
    );
    assert!(
        audit.contains(
            "№1: max.count.lessons.per_teacher (Мессенджер MAX (Сферум): уроков проведено на 1 \
             педагога) = 20 с 01.09.2023, уровень: общеобразовательные организации"
        ),
        "{audit}"
    );
}
