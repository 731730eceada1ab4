//! `tsos user add`: accounts name what the registry has.

use tsos_web::AccountRole;

use crate::util::*;

#[tokio::test]
async fn accounts_name_what_the_registry_has() {
    let app = TestApp::new();
    let mut store = app.store();
    let err = tsos_web::add_user(
        &mut store,
        "x",
        AccountRole::Municipality,
        Some("Гамма"),
        "p",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("«Гамма» нет в реестре") && err.contains(MUNI_A),
        "{err}"
    );
    let err = tsos_web::add_user(&mut store, "x", AccountRole::School, None, "p")
        .unwrap_err()
        .to_string();
    assert!(err.contains("--scope"), "{err}");
    let err = tsos_web::add_user(&mut store, "x", AccountRole::Admin, Some(REGION), "p")
        .unwrap_err()
        .to_string();
    assert!(err.contains("администратора нет области"), "{err}");
    // A 9-digit ИНН gets its zero back; the login is lower-cased.
    let added = tsos_web::add_user(
        &mut store,
        " Директор ",
        AccountRole::School,
        Some("500000002"),
        "p",
    )
    .expect("a school account");
    assert_eq!(added.login, "директор");
    assert!(
        added.scope.contains("Лицей №2") && added.scope.contains(SCHOOL_A2),
        "{}",
        added.scope
    );
    let user = store.web_user("директор").unwrap().unwrap();
    assert!(user.password_hash.starts_with("$argon2id$"));
    assert_eq!(user.scope.as_deref(), Some(SCHOOL_A2));
}
