//! The pages of the reports, `/` and the drill-down region → municipality → school, with
//! what an admin opens from them: every page and download.

use axum::http::{StatusCode, header};

use crate::util::*;

#[tokio::test]
async fn admin_opens_every_page_and_download() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    let overview = app.get("/", &admin).await;
    let html = overview.text();
    assert!(html.contains("<h1>Республика Тест</h1>"), "{html}");
    // Headline: «Моя школа» teachers in October: (9+6+2+4)/(10+8+10+4) = 21/32 = 65,6 %,
    // in September 20/32 = 62,5 %: +3,1 p.p.
    assert!(
        html.contains("65,6 %") && html.contains("+3,1 п.п."),
        "{html}"
    );
    assert!(html.contains("с 01.09.2023"));
    assert!(
        html.matches("<svg").count() >= 4,
        "trend and distribution charts"
    );
    assert!(html.contains("Отстающие школы") && html.contains("МКОУ «Бетинская СОШ»"));
    assert!(
        html.contains(&muni_url(MUNI_A)),
        "municipalities link to their pages"
    );
    for path in [
        format!("/region/{}", encode(REGION)),
        muni_url(MUNI_A),
        muni_url(MUNI_B),
        school_url(SCHOOL_A1),
        school_url(SCHOOL_A2),
        school_url(SCHOOL_B1),
        school_url(SCHOOL_B2),
        "/?as_of=2023-09-01".to_string(),
        format!(
            "{}?as_of=2023-09-01&sort=myschool.students",
            muni_url(MUNI_B)
        ),
        "/snapshots".to_string(),
        "/quality".to_string(),
        "/downloads".to_string(),
        "/import".to_string(),
        "/audit".to_string(),
    ] {
        let reply = app.get(&path, &admin).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text());
        assert!(reply.text().contains("</html>"), "{path}");
    }
    let school = app.get(&school_url(SCHOOL_B1), &admin).await.text();
    assert!(
        school.contains(REGION) && school.contains(MUNI_B),
        "breadcrumbs"
    );
    assert!(school.contains("Выбудут к следующему срезу") && school.contains("Прогноз доли"));
    assert!(school.contains("<svg"), "the school's trend");
    // September and October of «Моя школа» were imported with the key beside the database:
    // October's flows are drawn, their numbers in the bar's tooltip.
    assert!(
        school.contains("ФГИС «Моя школа», педагоги: потоки пользователей с прошлого месяца"),
        "the flows chart"
    );
    assert!(
        school.contains("01.10.2023 — педагоги: новые: "),
        "{school}"
    );
    let snapshots = app.get("/snapshots", &admin).await.text();
    assert!(snapshots.contains("2023-10-01_myschool.csv") && snapshots.contains("SHA-256"));
    // The views just made are in the audit log, though their lines are written in batches.
    let audit = app.get("/audit", &admin).await.text();
    assert!(
        audit.contains(&format!("школа {SCHOOL_B1} на 01.10.2023")) && audit.contains("снимки"),
        "{audit}"
    );

    let xlsx = app.get("/download/appendix.xlsx", &admin).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.body.starts_with(b"PK"));
    assert_eq!(xlsx.sheets().len(), 3, "a sheet per level");
    let disposition = xlsx.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.contains("appendix_2023-10-01.xlsx"),
        "{disposition}"
    );
    let csv = app.get("/download/report.csv?level=school", &admin).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.starts_with("\u{feff}".as_bytes()),
        "CSV for Excel has a BOM"
    );
    let download = app
        .get(
            "/download/report.json?level=municipality&as_of=2023-09-01",
            &admin,
        )
        .await;
    assert_eq!(download.json()["rows"].as_array().unwrap().len(), 2);
    for path in [
        "/api/dates",
        "/api/report?level=region",
        "/assets/style.css",
        "/assets/app.js",
    ] {
        assert_eq!(app.get(path, &admin).await.status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn a_fixed_cutoff_lists_schools_below_it_instead_of_the_targets() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    // The section up to the end of its first list, «Моя школа» teachers.
    let lagging = |html: &str| -> String {
        let start = html
            .find("<h2>Отстающие школы")
            .expect("the lagging section");
        let end = html[start..]
            .find("</details>")
            .or_else(|| html[start..].find("</section>"))
            .unwrap();
        html[start..start + end].to_string()
    };
    // «Моя школа» teachers in October: СОШ №1 90 %, Лицей №2 75 %, Бетинская 20 %, Малая
    // 100 %. Against the built-in target of 100 % Лицей and Бетинская are red, СОШ №1 yellow.
    let region = format!("/region/{}", encode(REGION));
    let by_target = lagging(&app.get(&region, &admin).await.text());
    assert!(
        by_target.contains("МБОУ «Лицей №2»") && !by_target.contains("МБОУ «СОШ №1»"),
        "{by_target}"
    );
    // Below 95 %: the yellow school too, whatever the target; worst first.
    let below = lagging(&app.get(&format!("{region}?below=95"), &admin).await.text());
    let order: Vec<usize> = ["МКОУ «Бетинская СОШ»", "МБОУ «Лицей №2»", "МБОУ «СОШ №1»"]
        .iter()
        .map(|name| {
            below
                .find(name)
                .unwrap_or_else(|| panic!("{name}: {below}"))
        })
        .collect();
    assert!(order.is_sorted(), "{below}");
    assert!(!below.contains("МКОУ «Малая школа»"), "{below}");
    assert!(
        below.contains("3 ОО ниже порога") && below.contains("value=\"95,0\""),
        "{below}"
    );
    // The municipality's page, «80 %» written with its sign.
    let muni = lagging(
        &app.get(&format!("{}?below=80%25", muni_url(MUNI_A)), &admin)
            .await
            .text(),
    );
    assert!(
        muni.contains("педагоги: 1 ОО ниже порога") && muni.contains("МБОУ «Лицей №2»"),
        "{muni}"
    );
    // An empty field is the targets; a cut-off that is no share is refused with its reason.
    let empty = lagging(&app.get(&format!("{region}?below="), &admin).await.text());
    assert_eq!(empty, by_target);
    let wrong = app.get(&format!("{region}?below=abc"), &admin).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.text().contains("порог доли"), "{}", wrong.text());
}

/// MAX, imported from a per-school file of connection counts, is on the pages as any other
/// platform: its shares, its rule in words, its trend; and «нет данных» never names it
/// before it was imported.
#[tokio::test]
async fn max_connections_show_beside_the_other_platforms() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    let before = app.get("/", &admin).await.text();
    assert!(!before.contains("MAX"), "{before}");
    // One teacher short of all in each school: 9 + 7 + 9 + 3 = 28 of 32 = 87,5 %.
    let mut file = String::from("ИНН;Наименование ОО;Подключено к MAX педагогов\n");
    for (inn, name, _, teachers, _, _, _) in SCHOOLS {
        file.push_str(&format!("{inn};{name};{}\n", teachers - 1));
    }
    app.import("max", "max.csv", &file, jiff::civil::date(2023, 10, 1));
    let html = app.get("/", &admin).await.text();
    assert!(html.contains("Мессенджер MAX (Сферум)"), "{html}");
    assert!(html.contains("87,5 %"), "{html}");
    assert!(
        html.contains("подключены (зарегистрированы) на платформе"),
        "{html}"
    );
    // A connected account is not an active one: the card, the note and the chart say so.
    assert!(html.contains("подключенных 28 из 32"), "{html}");
    assert!(html.contains("Подключенные, Мессенджер MAX"), "{html}");
    let school = app.get(&school_url(SCHOOL_B2), &admin).await;
    assert_eq!(school.status, StatusCode::OK);
    let text = school.text();
    assert!(text.contains("75,0 %"), "3 of 4: {text}");
    assert!(text.contains("Доля подключенных"), "{text}");
    assert!(text.contains("доля подключенных по срезам"), "{text}");
}

/// Counts of use of a per-school file (issue 15) on the school's page: a table of their own,
/// with rates from the registry's contingent; a school the file gave none has no table.
#[tokio::test]
async fn a_schools_page_shows_its_counts_of_use() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    // СОШ №1: 10 teachers, 40 students.
    let file = format!(
        "ИНН;Подключено к MAX педагогов;Уроков проведено;Выставлено оценок\n{SCHOOL_A1};9;120;1234\n"
    );
    app.import("max", "max.csv", &file, jiff::civil::date(2023, 10, 1));
    let page = app.get(&school_url(SCHOOL_A1), &admin).await.text();
    let section = page
        .split_once("<h2>Счетчики использования</h2>")
        .unwrap_or_else(|| panic!("{page}"))
        .1;
    assert!(
        section.contains("Счетчики использования: Мессенджер MAX (Сферум)"),
        "{section}"
    );
    let lessons = section
        .split_once("Уроков проведено")
        .unwrap()
        .1
        .split_once("</tr>")
        .unwrap()
        .0;
    for cell in [">120<", ">300,0<", ">12,0<"] {
        assert!(lessons.contains(cell), "{cell}: {lessons}");
    }
    assert!(section.contains(">1 234<"), "{section}");
    let other = app.get(&school_url(SCHOOL_A2), &admin).await.text();
    assert!(!other.contains("Счетчики использования"), "{other}");
}

/// A target on a count's rate colours the rate's cell on the school's page as a share's is.
#[tokio::test]
async fn a_target_on_a_count_s_rate_colours_its_cell() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    // СОШ №1: 120 lessons of 10 teachers, 12 per teacher; 300 per 100 students.
    let file = format!("ИНН;Подключено к MAX педагогов;Уроков проведено\n{SCHOOL_A1};9;120\n");
    app.import("max", "max.csv", &file, jiff::civil::date(2023, 10, 1));
    let lessons_row = |page: &str| {
        page.split_once("Уроков проведено</th>")
            .unwrap_or_else(|| panic!("{page}"))
            .1
            .split_once("</tr>")
            .unwrap()
            .0
            .to_string()
    };
    let before = lessons_row(&app.get(&school_url(SCHOOL_A1), &admin).await.text());
    assert!(
        before.contains(r#"<td class="num cell ">12,0<"#),
        "{before}"
    );
    app.store()
        .set_target(&tsos_domain::Target {
            indicator: tsos_domain::IndicatorId::parse("max.count.lessons.per_teacher").unwrap(),
            level: None,
            from: jiff::civil::date(2023, 9, 1),
            value: 20.0,
        })
        .unwrap();
    let after = lessons_row(&app.get(&school_url(SCHOOL_A1), &admin).await.text());
    assert!(
        after.contains(r#"<td class="num cell red">12,0<"#),
        "{after}"
    );
    // The other rate has no target: not coloured.
    assert!(after.contains(r#"<td class="num cell ">300,0<"#), "{after}");
}
