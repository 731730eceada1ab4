//! Official chats: a school edits and uploads its own, an authority reads the figures, and no
//! school sees or changes another school's.

use axum::http::StatusCode;

use crate::util::*;

#[tokio::test]
async fn a_school_edits_its_own_chats_and_the_authority_sees_the_figures() {
    let app = TestApp::new();
    let school = app.login("school_a").await;
    let home = app.get("/chats", &school).await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert!(
        home.location().starts_with(&chats_url(SCHOOL_A1)),
        "{}",
        home.location()
    );
    let page = app.get(&chats_url(SCHOOL_A1), &school).await.text();
    assert!(
        page.contains("Сведений о чатах школы нет") && page.contains("Добавить чат"),
        "{page}"
    );

    let added = app
        .post(
            &chats_url(SCHOOL_A1),
            &school,
            &[
                ("op", "add"),
                ("name", "5А — родители"),
                ("purpose", "parents"),
                ("class_label", "5А"),
                ("platform", "WhatsApp"),
                ("members", "27"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
    let page = app.get(added.location(), &school).await.text();
    assert!(page.contains("Чат «5А — родители» добавлен."), "{page}");
    assert!(page.contains("иностранный мессенджер"));
    for platform in ["Сферум", "MAX"] {
        let moved = app
            .post(
                &chats_url(SCHOOL_A1),
                &school,
                &[
                    ("op", "move"),
                    ("name", "5а — РОДИТЕЛИ"),
                    ("platform", platform),
                ],
            )
            .await;
        assert_eq!(
            moved.status,
            StatusCode::SEE_OTHER,
            "{platform}: {}",
            moved.text()
        );
    }
    // Wrong edits are explained on the page and change nothing.
    let foreign = app
        .post(
            &chats_url(SCHOOL_A1),
            &school,
            &[
                ("op", "move"),
                ("name", "5А — родители"),
                ("platform", "Viber"),
            ],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        foreign
            .text()
            .contains("иностранный мессенджер: переносить"),
        "{}",
        foreign.text()
    );
    let twice = app
        .post(
            &chats_url(SCHOOL_A1),
            &school,
            &[
                ("op", "add"),
                ("name", "5А — родители"),
                ("purpose", "parents"),
                ("platform", "MAX"),
            ],
        )
        .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.text().contains("уже есть в реестре школы"));
    let bad_number = app
        .post(
            &chats_url(SCHOOL_A1),
            &school,
            &[
                ("op", "add"),
                ("name", "Педагоги"),
                ("purpose", "staff"),
                ("platform", "Telegram"),
                ("members", "много"),
            ],
        )
        .await;
    assert_eq!(bad_number.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_number.text().contains("«много» — не целое число"));
    let staff = app
        .post(
            &chats_url(SCHOOL_A1),
            &school,
            &[
                ("op", "add"),
                ("name", "Педагоги"),
                ("purpose", "staff"),
                ("platform", "Telegram"),
            ],
        )
        .await;
    assert_eq!(staff.status, StatusCode::SEE_OTHER);

    // The chat moved twice is one chat, on MAX, with its history.
    let chats = app
        .get(&format!("/api/chats/schools/{SCHOOL_A1}"), &school)
        .await
        .json();
    let list = chats["chats"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{chats}");
    let parents = list.iter().find(|c| c["name"] == "5А — родители").unwrap();
    assert_eq!(
        (parents["platform"].as_str(), parents["members"].as_u64()),
        (Some("MAX"), Some(27))
    );
    // The day's edits are one snapshot of the school; each edit's predecessor is kept.
    let snapshots: Vec<_> = app
        .store()
        .snapshots()
        .unwrap()
        .into_iter()
        .filter(|s| s.dataset == format!("chats:{SCHOOL_A1}"))
        .collect();
    assert_eq!(snapshots.len(), 4, "add, move, move, add");
    assert_eq!(snapshots.iter().filter(|s| s.is_current()).count(), 1);

    // The municipality sees the figures, the school past the deadline and downloads them.
    let muni = app.login("muni_a").await;
    let report = app.get("/api/chats?level=municipality", &muni).await.json();
    let row = &report["rows"][0];
    assert_eq!(report["rows"].as_array().unwrap().len(), 1);
    assert_eq!(
        (row["chats"].as_u64(), row["foreign_open"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(row["domestic_share"], 0.5);
    let page = app.get("/chats", &muni).await.text();
    assert!(
        page.contains("Школы с просроченным переходом") && page.contains("МБОУ «СОШ №1»"),
        "{page}"
    );
    assert!(page.contains("50,0 %"), "{page}");
    let xlsx = app.get("/download/chats.xlsx?level=school", &muni).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let text = xlsx.sheets().concat().join(" ");
    assert!(
        text.contains("СОШ №1") && text.contains("Лицей") && !text.contains("Бетинская"),
        "{text}"
    );
    // The authority reads, it does not edit the school's registry.
    let refused = app
        .post(
            &chats_url(SCHOOL_A1),
            &muni,
            &[("op", "deactivate"), ("name", "Педагоги")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let admin = app.login("admin").await;
    let audit = app.get("/audit", &admin).await.text();
    assert!(
        audit.contains("чат «5А — родители» перенесен в MAX"),
        "{audit}"
    );
}

#[tokio::test]
async fn a_school_cannot_see_or_edit_another_schools_chats() {
    let app = TestApp::new();
    let school_a = app.login("school_a").await;
    let school_b = app.login("school_b").await;
    let added = app
        .post(
            &chats_url(SCHOOL_A1),
            &school_a,
            &[
                ("op", "add"),
                ("name", "Педагоги"),
                ("purpose", "staff"),
                ("platform", "Telegram"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let before = app.store().chat_states().unwrap();
    assert_eq!(before.len(), 1);

    assert_eq!(
        app.get(&chats_url(SCHOOL_A1), &school_b).await.status,
        StatusCode::NOT_FOUND
    );
    let api = app
        .get(&format!("/api/chats/schools/{SCHOOL_A1}"), &school_b)
        .await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.json()["error"].is_string());
    for fields in [
        &[("op", "deactivate"), ("name", "Педагоги")][..],
        &[("op", "move"), ("name", "Педагоги"), ("platform", "MAX")][..],
        &[
            ("op", "add"),
            ("name", "Чужой"),
            ("purpose", "staff"),
            ("platform", "MAX"),
        ][..],
    ] {
        let reply = app.post(&chats_url(SCHOOL_A1), &school_b, fields).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{fields:?}");
    }
    // Without the form's token, not even the school itself.
    let forged = app
        .post_form(
            &chats_url(SCHOOL_A1),
            &school_a.cookie,
            &[("op", "deactivate"), ("name", "Педагоги")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.store().chat_states().unwrap(), before, "nothing stored");

    let report = app.get("/api/chats?level=school", &school_b).await.json();
    let ids: Vec<&str> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [SCHOOL_B1]);
    assert_eq!(report["rows"][0]["chats"], 0);
    let xlsx = app.get("/download/chats.xlsx", &school_b).await;
    let text = xlsx.sheets().concat().join(" ");
    assert!(
        text.contains("Бетинская") && !text.contains("СОШ №1"),
        "{text}"
    );
    let page = app.get(&chats_url(SCHOOL_B1), &school_b).await.text();
    assert!(!page.contains("Педагоги") && !page.contains("СОШ №1"));
}

#[tokio::test]
async fn a_school_uploads_its_filled_template_and_only_its_own() {
    let app = TestApp::new();
    let school = app.login("school_a").await;
    let template = app
        .get(&format!("/chats/school/{SCHOOL_A1}/template.xlsx"), &school)
        .await;
    assert_eq!(template.status, StatusCode::OK);
    let text = template.sheets().concat().join(" ");
    assert!(
        text.contains(SCHOOL_A1),
        "the example row names the school: {text}"
    );

    let stored = || app.store().chat_states().unwrap();
    let other = format!(
        "{CHATS_HEADER}{SCHOOL_A1};Педагоги;педагогический коллектив;;Сферум;10;Да;;;;\n\
         {SCHOOL_B1};Педагоги;педагогический коллектив;;Telegram;10;Да;;;;\n"
    );
    let reply = app
        .upload(
            &format!("/chats/school/{SCHOOL_A1}/upload"),
            &school,
            &[("as_of", "2023-10-01")],
            ("чаты.csv", other.as_bytes()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.text().contains("строки других школ (ИНН 0500000003)"),
        "{}",
        reply.text()
    );
    let bad = format!("{CHATS_HEADER}{SCHOOL_A1};5А;классный;5А;Одноклассники;27;Да;;;;\n");
    let reply = app
        .upload(
            &format!("/chats/school/{SCHOOL_A1}/upload"),
            &school,
            &[("as_of", "2023-10-01")],
            ("чаты.csv", bad.as_bytes()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .text()
            .contains("чаты.csv:2: column «Платформа»: неизвестная платформа «Одноклассники»"),
        "{}",
        reply.text()
    );
    let good = format!(
        "{CHATS_HEADER}{SCHOOL_A1};Педагоги;педагогический коллектив;;Сферум;10;Да;;;;\n\
         {SCHOOL_A1};5А — родители;родительский;5А;WhatsApp;27;Да;;;;\n"
    );
    // Without the form's token, and from another school or an authority: refused.
    let forged = app
        .send_multipart(
            &format!("/chats/school/{SCHOOL_A1}/upload"),
            &school.cookie,
            &[("as_of", "2023-10-01")],
            ("чаты.csv", good.as_bytes()),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let school_b = app.login("school_b").await;
    let foreign = app
        .upload(
            &format!("/chats/school/{SCHOOL_A1}/upload"),
            &school_b,
            &[("as_of", "2023-10-01")],
            ("чаты.csv", good.as_bytes()),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let muni = app.login("muni_a").await;
    let authority = app
        .upload(
            &format!("/chats/school/{SCHOOL_A1}/upload"),
            &muni,
            &[("as_of", "2023-10-01")],
            ("чаты.csv", good.as_bytes()),
        )
        .await;
    assert_eq!(authority.status, StatusCode::FORBIDDEN);
    assert!(stored().is_empty(), "nothing stored");

    let reply = app
        .upload(
            &format!("/chats/school/{SCHOOL_A1}/upload"),
            &school,
            &[("as_of", "2023-10-01")],
            ("чаты.csv", good.as_bytes()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(
        reply
            .text()
            .contains("Загружен файл «чаты.csv» на 01.10.2023: чатов 2"),
        "{}",
        reply.text()
    );
    assert_eq!(stored().len(), 2);
    let again = app
        .upload(
            &format!("/chats/school/{SCHOOL_A1}/upload"),
            &school,
            &[("as_of", "2023-10-01")],
            ("чаты.csv", good.as_bytes()),
        )
        .await;
    assert!(again.text().contains("ничего не изменилось"));
    let report = app
        .get("/api/chats?level=school&as_of=2023-10-01", &muni)
        .await
        .json();
    let row = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == SCHOOL_A1)
        .unwrap()
        .clone();
    assert_eq!(
        (row["chats"].as_u64(), row["foreign_open"].as_u64()),
        (Some(2), Some(1))
    );
}

/// A school adds its official channel on Сферум in VK Мессенджер, which the authority closes:
/// the page marks the chat and shows the closing's card; a move to MAX in the dashboard
/// meets the closing.
#[tokio::test]
async fn a_school_moves_its_official_channel_off_a_closing_platform() {
    let app = TestApp::new();
    let today = tsos_app::today();
    tsos_app::chats::set_closing(
        &mut app.store(),
        "sferum_vk",
        today - jiff::ToSpan::days(30),
        today + jiff::ToSpan::days(30),
    )
    .unwrap();
    let school = app.login("school_a").await;
    let page = app.get(&chats_url(SCHOOL_A1), &school).await.text();
    assert!(
        page.contains(r#"<option value="official_channel">официальный канал ОО</option>"#),
        "{page}"
    );
    let added = app
        .post(
            &chats_url(SCHOOL_A1),
            &school,
            &[
                ("op", "add"),
                ("name", "Школа № 1"),
                ("purpose", "official_channel"),
                ("platform", "Сферум (VK Мессенджер)"),
                ("members", "300"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
    let page = app.get(added.location(), &school).await.text();
    assert!(page.contains("закрываемая платформа"), "{page}");
    assert!(page.contains("Открыто на закрываемых платформах"), "{page}");
    // The move offers the domestic platforms but the one being closed.
    let move_to = page.split("Перенести в <select").nth(1).unwrap();
    let move_to = &move_to[..move_to.find("</select>").unwrap()];
    assert!(
        move_to.contains(">MAX<") && !move_to.contains("VK Мессенджер)"),
        "{move_to}"
    );
    let chats = app
        .get(&format!("/api/chats/schools/{SCHOOL_A1}"), &school)
        .await
        .json();
    assert_eq!(chats["chats"][0]["purpose"], "official_channel");
    let report = || async {
        app.get(&format!("/api/chats?level=school&as_of={today}"), &school)
            .await
            .json()
    };
    let row = report().await["rows"][0].clone();
    assert_eq!(
        (row["closing_open"].as_u64(), row["closing_status"].as_str()),
        (Some(1), Some("pending"))
    );
    // On a closing platform the channel is no official channel on a domestic one.
    assert_eq!(row["schools_without_channel"], 1);
    let moved = app
        .post(
            &chats_url(SCHOOL_A1),
            &school,
            &[("op", "move"), ("name", "Школа № 1"), ("platform", "MAX")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.text());
    let row = report().await["rows"][0].clone();
    assert_eq!(
        (row["closing_open"].as_u64(), row["closing_status"].as_str()),
        (Some(0), Some("met"))
    );
    assert_eq!(row["schools_without_channel"], 0);
    assert_eq!(report().await["closings"][0]["platform"], "sferum_vk");
}
