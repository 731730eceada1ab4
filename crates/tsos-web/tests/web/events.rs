//! Dated events on the dashboard: the page «События» (an administrator adds and removes,
//! every account reads those of its scope) and markers on the trend charts.

use jiff::civil::date;
use tsos_app::events::{EventRequest, add_event};
use tsos_domain::{Catalogue, Level};

use axum::http::StatusCode;

use crate::util::*;

/// A move of «Город Альфа» between the two dates shows on its trend, its schools' and not on
/// «Бета район»'s or the region's.
#[tokio::test]
async fn an_event_is_a_marker_on_the_trend_charts_of_the_pages_it_touches() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    // A page read before the event is cached; the event must still show after it.
    let before = app.get(&muni_url(MUNI_A), &admin).await.text();
    assert!(!before.contains(r#"<g class="event">"#));
    add_event(
        &mut app.store(),
        &Catalogue::builtin(),
        &EventRequest {
            date: date(2023, 9, 20),
            level: Level::Municipality,
            name: Some(MUNI_A.into()),
            platform: Some("myschool".into()),
            text: "Переход на региональный узел «Моя школа»".into(),
        },
        None,
    )
    .unwrap();
    let marker = format!(
        "<title>20.09.2023 — муниципалитет «{MUNI_A}», ФГИС «Моя школа»: Переход на региональный узел «Моя школа»</title>"
    );
    for path in [muni_url(MUNI_A), school_url(SCHOOL_A1)] {
        let html = app.get(&path, &admin).await.text();
        // One chart per platform, and only «Моя школа»'s has the marker.
        assert_eq!(
            html.matches(r#"<g class="event">"#).count(),
            1,
            "{path}: {html}"
        );
        assert!(html.contains(&marker), "{path}: {html}");
        assert!(html.contains("Вертикальный пунктир — событие"), "{path}");
    }
    for path in [
        muni_url(MUNI_B),
        school_url(SCHOOL_B1),
        format!("/region/{}", encode(REGION)),
    ] {
        let html = app.get(&path, &admin).await.text();
        assert!(!html.contains(r#"<g class="event">"#), "{path}: {html}");
    }
}

/// Events as a table's rows: (date, scope, text) of each `<tr>` of the events table.
fn listed(html: &str) -> Vec<String> {
    let Some(start) = html.find("<h2>События</h2>") else {
        return Vec::new();
    };
    let section = &html[start
        ..html[start..]
            .find("</section>")
            .map_or(html.len(), |e| start + e)];
    section
        .split("<tr>")
        .skip(2)
        .map(|row| row.split("</tr>").next().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn an_admin_adds_and_removes_events_and_others_read_those_of_their_scope() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    // A municipality the registry does not have: said on the page, what was typed kept.
    let refused = app
        .post(
            "/events",
            &admin,
            &[
                ("date", "2023-09-20"),
                ("level", "municipality"),
                ("name", "Гамма район"),
                ("platform", "myschool"),
                ("text", "Переход на узел"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    let html = refused.text();
    assert!(
        html.contains(
            "Событие не добавлено: муниципалитета «Гамма район» нет в реестре на 20.09.2023."
        ),
        "{html}"
    );
    assert!(html.contains(r#"value="Переход на узел""#), "{html}");
    let empty_text = app
        .post(
            "/events",
            &admin,
            &[("date", "2023-09-20"), ("level", "region"), ("text", "  ")],
        )
        .await
        .text();
    assert!(empty_text.contains("текст события пуст"), "{empty_text}");

    let added = app
        .post(
            "/events",
            &admin,
            &[
                ("date", "2023-09-20"),
                ("level", "municipality"),
                ("name", MUNI_A),
                ("platform", "myschool"),
                ("text", "Переход на региональный узел"),
            ],
        )
        .await
        .text();
    assert!(added.contains("Событие №1 добавлено."), "{added}");
    // A suggestion, for the one region of the registry.
    let suggested = app
        .post("/events", &admin, &[("suggested", "2"), ("name", "")])
        .await
        .text();
    assert!(suggested.contains("Событие №2 добавлено."), "{suggested}");
    assert_eq!(listed(&suggested).len(), 2, "{suggested}");

    // Who sees what: the municipality's event touches its schools; the region's everyone's.
    for (login, count) in [
        ("region", 2),
        ("muni_a", 2),
        ("school_a", 2),
        ("muni_b", 1),
        ("school_b", 1),
    ] {
        let session = app.login(login).await;
        let html = app.get("/events", &session).await.text();
        assert_eq!(listed(&html).len(), count, "{login}: {html}");
        assert!(!html.contains("Добавить событие"), "{login}: read only");
        assert!(!html.contains("/remove"), "{login}: read only");
        let refused = app
            .post(
                "/events",
                &session,
                &[
                    ("date", "2023-09-20"),
                    ("level", "region"),
                    ("text", "Чужое"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{login}");
        let refused = app.post("/events/1/remove", &session, &[]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{login}");
    }
    // Without the form's token nothing changes.
    let forged = app
        .post_form(
            "/events/1/remove",
            &admin.cookie,
            &[("csrf", "не-тот-токен")],
        )
        .await;
    assert_ne!(forged.status, StatusCode::OK);
    assert_eq!(app.store().events().unwrap().len(), 2);

    let removed = app.post("/events/1/remove", &admin, &[]).await.text();
    assert!(
        removed.contains("Событие №1 «Переход на региональный узел» удалено."),
        "{removed}"
    );
    let again = app.post("/events/1/remove", &admin, &[]).await.text();
    assert!(again.contains("События №1 нет"), "{again}");
    let audit = app.get("/audit", &admin).await.text();
    assert!(
        audit.contains("событие добавлено") && audit.contains("событие удалено"),
        "{audit}"
    );
    assert!(
        audit.contains(&format!(
            "событие №1 от 20.09.2023, муниципалитет «{MUNI_A}», платформа myschool"
        )),
        "{audit}"
    );
}
