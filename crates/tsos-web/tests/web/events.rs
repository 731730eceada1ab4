//! Dated events on the dashboard: markers on the trend charts of the pages they touch.

use jiff::civil::date;
use tsos_app::events::{EventRequest, add_event};
use tsos_domain::{Catalogue, Level};

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
