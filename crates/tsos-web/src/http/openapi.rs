//! The description of the API for `/api/openapi.json` (OpenAPI 3.1): its frame ([`ApiDoc`]:
//! the title, how a request authenticates), the JSON its routes answer with, and the errors
//! every route may give. The routes themselves are described beside their handlers
//! (`#[utoipa::path]`), and the router registers each route with its description from one
//! `routes!`, so a route cannot be served undescribed or described unserved.
//!
//! The report's JSON (SPEC §8) is written by `tsos_report::json` field by field rather than
//! serialised from a struct, and its platforms and roles are keys that come from the
//! catalogue; so its schema is written here with utoipa's builders, once per shape.

use std::collections::BTreeMap;

use tsos_domain::flows::FlowsAbsence;
use tsos_domain::{CountRate, Role, Status};
use utoipa::openapi::content::Content;
use utoipa::openapi::header::Header;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{OpenApi, RefOr};
use utoipa::{IntoResponses, Modify, PartialSchema, ToSchema};

/// The document's frame; the paths come from the router.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "tsos API",
        description = "Показатели мониторинга ЦОС (SPEC §8) в JSON: тот же объект, что \
                       `tsos report --format json`, только со строками, которые видит учетная \
                       запись. Вход: API-токен (`Authorization: Bearer tsos_…`, создается \
                       `tsos token add` или на странице «API-токены») или сеанс панели.",
    ),
    modifiers(&Security),
    security(("token" = []), ("session" = [])),
    tags(
        (name = "Отчеты", description = "Показатели платформ по школам, муниципалитетам и региону"),
        (name = "Чаты", description = "Официальные чаты школ (149-ФЗ)"),
        (name = "Описание", description = "Это описание API"),
    )
)]
pub(crate) struct ApiDoc;

/// The two ways in: an API token, or the dashboard's session cookie.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.description = Some(
            "API-токен tsos_…: tsos token add --user ЛОГИН --name НАЗВАНИЕ, или страница \
             «API-токены» панели"
                .to_string(),
        );
        components.add_security_scheme("token", SecurityScheme::Http(bearer));
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "tsos_session",
                "Сеанс панели после входа через /login",
            ))),
        );
    }
}

fn of_type(types: &[Type]) -> ObjectBuilder {
    let schema_type = match types {
        [one] => SchemaType::new(one.clone()),
        many => many.iter().cloned().collect(),
    };
    ObjectBuilder::new().schema_type(schema_type)
}

fn described(types: &[Type], description: &str) -> Schema {
    of_type(types).description(Some(description)).into()
}

fn date(description: &str) -> Schema {
    of_type(&[Type::String])
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Date,
        )))
        .description(Some(description))
        .into()
}

fn nullable_date(description: &str) -> Schema {
    of_type(&[Type::String, Type::Null])
        .description(Some(description))
        .into()
}

fn array(items: Schema) -> Schema {
    ArrayBuilder::new().items(RefOr::T(items)).into()
}

/// An object with `properties`, of which `required` are always there.
fn object(description: &str, properties: Vec<(&str, Schema)>, required: &[&str]) -> ObjectBuilder {
    let mut builder = of_type(&[Type::Object]).description(Some(description));
    for (name, schema) in properties {
        builder = builder.property(name, schema);
    }
    for name in required {
        builder = builder.required(*name);
    }
    builder
}

/// An object whose keys are open (platforms, roles), each holding `value`.
fn map_of(types: &[Type], description: &str, value: Schema) -> Schema {
    of_type(types)
        .description(Some(description))
        .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(value))))
        .into()
}

const LEVEL: &str = "Уровень: school, municipality или region";

/// A status against a target: of a share, or of a count's rate.
fn status() -> Schema {
    of_type(&[Type::String])
        .description(Some("Статус относительно цели"))
        .enum_values(Some(
            [Status::Green, Status::Yellow, Status::Red, Status::None].map(Status::code),
        ))
        .into()
}

/// One indicator of a row: a platform and role (SPEC §6).
fn indicator() -> Schema {
    let count = |what: &str| described(&[Type::Integer, Type::Null], what);
    let number = |what: &str| described(&[Type::Number, Type::Null], what);
    object(
        "Показатель платформы по роли",
        vec![
            ("registered", count("Зарегистрировано")),
            (
                "confirmed",
                count("Подтверждено (нет в выгрузке по школам)"),
            ),
            ("active", count("Активных")),
            (
                "share",
                number("Доля активных от контингента, дробью: 0.807"),
            ),
            ("delta_pp", number("Изменение доли с прошлого среза, п. п.")),
            ("target", number("Цель, дробью")),
            ("status", status()),
            ("gap", number("Сколько активных не хватает до цели")),
            (
                "rank",
                map_of(
                    &[Type::Object, Type::Null],
                    "Место по доле: в муниципалитете и в регионе",
                    described(&[Type::Integer, Type::Null], "Место"),
                ),
            ),
            (
                "of",
                map_of(
                    &[Type::Object, Type::Null],
                    "Из скольких",
                    described(&[Type::Integer, Type::Null], "Число"),
                ),
            ),
            (
                "leaving",
                count("Активных, чей последний вход выйдет из окна за месяц"),
            ),
            (
                "forecast_next",
                of_type(&[Type::Object, Type::Null])
                    .description(Some("Прогноз на следующий месяц"))
                    .property("as_of", date("Дата прогноза"))
                    .property(
                        "active",
                        described(&[Type::Integer, Type::Null], "Активных"),
                    )
                    .property("share", described(&[Type::Number, Type::Null], "Доля"))
                    .into(),
            ),
            (
                "flows",
                object(
                    "Потоки пользователей с прошлого месячного среза (только где рассчитаны)",
                    vec![
                        ("new", count("Новые: впервые активны в цепочке срезов")),
                        (
                            "returned",
                            count("Вернувшиеся: активны раньше, но не в прошлом месяце"),
                        ),
                        ("retained", count("Удержанные: активны и в прошлом месяце")),
                        (
                            "lost",
                            count("Ушедшие: активны в прошлом месяце, но не сейчас"),
                        ),
                    ],
                    &["new", "returned", "retained", "lost"],
                )
                .into(),
            ),
        ],
        &["active", "share", "delta_pp"],
    )
    .into()
}

/// A dated event that a change of the row spans (only on the rows it touches).
fn event() -> Schema {
    object(
        "Событие, которое охватывает изменение показателя строки",
        vec![
            ("date", date("Дата события")),
            (
                "scope",
                object(
                    "Область события",
                    vec![
                        ("level", described(&[Type::String], LEVEL)),
                        (
                            "name",
                            described(&[Type::String], "Регион, муниципалитет или ИНН школы"),
                        ),
                    ],
                    &["level", "name"],
                )
                .into(),
            ),
            (
                "platform",
                described(
                    &[Type::String, Type::Null],
                    "Код платформы; null — все платформы",
                ),
            ),
            ("text", described(&[Type::String], "Что произошло")),
        ],
        &["date", "scope", "platform", "text"],
    )
    .into()
}

/// A row of the report: a school, a municipality or the region (SPEC §8).
fn report_row() -> Schema {
    object(
        "Строка отчета. Кроме перечисленных ключей — по ключу на платформу (myschool, sferum и \
         платформы из --platforms): показатели по ролям или null, если среза платформы нет.",
        vec![
            (
                "id",
                described(
                    &[Type::String],
                    "ИНН школы или название муниципалитета, региона",
                ),
            ),
            ("name", described(&[Type::String], "Название")),
            (
                "municipality",
                described(&[Type::String, Type::Null], "Муниципалитет"),
            ),
            ("region", described(&[Type::String], "Регион")),
            (
                "schools",
                described(&[Type::Integer], "Школ (на уровнях municipality и region)"),
            ),
            (
                "contingent",
                map_of(
                    &[Type::Object],
                    &format!(
                        "Контингент по ролям: {}",
                        Role::ALL.map(Role::code).join(", ")
                    ),
                    described(&[Type::Integer, Type::Null], "Человек"),
                ),
            ),
            ("events", array(event())),
        ],
        &["id", "name", "region", "contingent"],
    )
    .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(
        object(
            &format!(
                "Показатели платформы по ролям: {}; и счетчики использования (counts), если \
                 срез их дает",
                Role::ALL.map(Role::code).join(", ")
            ),
            vec![(
                "counts",
                map_of(
                    &[Type::Object],
                    "Счетчики использования по имени: lessons, marks, homework или заголовок \
                     столбца, размеченного как count",
                    use_count(),
                ),
            )],
            &[],
        )
        .schema_type(
            [Type::Object, Type::Null]
                .into_iter()
                .collect::<SchemaType>(),
        )
        .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(indicator()))))
        .into(),
    ))))
    .into()
}

/// One count of use of a row (issue 15): the school's own, or the sum of its schools'.
fn use_count() -> Schema {
    let number = |what: &str| described(&[Type::Number, Type::Null], what);
    object(
        "Счетчик использования",
        vec![
            ("value", described(&[Type::Integer], "Значение")),
            (
                "per_100_students",
                number("На 100 обучающихся (null без контингента)"),
            ),
            (
                "per_teacher",
                number("На одного педагога (null без контингента)"),
            ),
            (
                "delta",
                described(&[Type::Integer, Type::Null], "Изменение с прошлого среза"),
            ),
            ("delta_pct", number("Изменение с прошлого среза, %")),
            (
                "targets",
                object(
                    "Цели на показатели счетчика, только заданные: per_teacher, \
                     per_100_students; нет ключа, если целей нет",
                    CountRate::ALL
                        .map(|rate| {
                            (
                                rate.code(),
                                object(
                                    &format!("Цель {}", rate.title_ru()),
                                    vec![
                                        (
                                            "target",
                                            described(&[Type::Number], "Цель: число, не доля"),
                                        ),
                                        ("status", status()),
                                    ],
                                    &["target", "status"],
                                )
                                .into(),
                            )
                        })
                        .into(),
                    &[],
                )
                .into(),
            ),
        ],
        &[
            "value",
            "per_100_students",
            "per_teacher",
            "delta",
            "delta_pct",
        ],
    )
    .into()
}

/// `GET /api/report` and the reports of one school or municipality.
pub(crate) struct ReportJson;

impl PartialSchema for ReportJson {
    fn schema() -> RefOr<Schema> {
        let platform = object(
            "Платформа отчета",
            vec![
                (
                    "code",
                    described(&[Type::String], "Код: myschool, sferum, …"),
                ),
                ("name", described(&[Type::String], "Название")),
                (
                    "present",
                    described(&[Type::Boolean], "Есть ли срез на дату"),
                ),
                ("previous_as_of", nullable_date("Дата прошлого среза")),
                (
                    "counts",
                    array(
                        object(
                            "Счетчик использования, который дает срез",
                            vec![
                                (
                                    "name",
                                    described(&[Type::String], "Имя (ключ в counts строк)"),
                                ),
                                ("title", described(&[Type::String], "Название для людей")),
                            ],
                            &["name", "title"],
                        )
                        .into(),
                    ),
                ),
                (
                    "flows_absent",
                    of_type(&[Type::String, Type::Null])
                        .description(Some(
                            "Почему потоков пользователей нет; null — рассчитаны или среза нет",
                        ))
                        .enum_values(Some(
                            [
                                FlowsAbsence::PerSchool,
                                FlowsAbsence::NoKey,
                                FlowsAbsence::NoPreviousMonth,
                                FlowsAbsence::KeyChanged,
                            ]
                            .map(|a| serde_json::Value::from(a.code()))
                            .into_iter()
                            .chain([serde_json::Value::Null]),
                        ))
                        .into(),
                ),
            ],
            &["code", "name", "present"],
        );
        object(
            "Отчет на дату (SPEC §8): объект tsos report --format json",
            vec![
                ("as_of", date("Отчетная дата")),
                ("level", described(&[Type::String], LEVEL)),
                ("rows", array(report_row())),
                (
                    "unknown_organisations",
                    map_of(
                        &[Type::Object],
                        "Пользователей организаций, которых нет в реестре, по платформам",
                        described(&[Type::Integer, Type::Null], "Пользователей"),
                    ),
                ),
                (
                    "unknown",
                    map_of(
                        &[Type::Object],
                        "Организации вне реестра и пользователи без организации, по платформам \
                         (только администратору и региону)",
                        described(&[Type::Object, Type::Null], "Сведения платформы"),
                    ),
                ),
                ("platforms", array(Schema::from(platform))),
            ],
            &["as_of", "level", "rows"],
        )
        .into()
    }
}

impl ToSchema for ReportJson {
    fn name() -> std::borrow::Cow<'static, str> {
        "Report".into()
    }
}

/// `GET /api/dates`.
pub(crate) struct DatesJson;

impl PartialSchema for DatesJson {
    fn schema() -> RefOr<Schema> {
        object(
            "Даты, на которые есть выгрузки платформ, по возрастанию",
            vec![("dates", array(date("Дата")))],
            &["dates"],
        )
        .into()
    }
}

impl ToSchema for DatesJson {
    fn name() -> std::borrow::Cow<'static, str> {
        "Dates".into()
    }
}

/// `GET /api/chats`.
pub(crate) struct ChatsReportJson;

impl PartialSchema for ChatsReportJson {
    fn schema() -> RefOr<Schema> {
        let count = |what: &str| described(&[Type::Integer, Type::Null], what);
        let row = object(
            "Строка: школа, муниципалитет или регион",
            vec![
                ("id", described(&[Type::String], "ИНН или название")),
                ("name", described(&[Type::String], "Название")),
                (
                    "municipality",
                    described(&[Type::String, Type::Null], "Муниципалитет"),
                ),
                ("region", described(&[Type::String, Type::Null], "Регион")),
                ("schools", count("Школ")),
                ("schools_without_data", count("Школ без сведений о чатах")),
                ("chats", count("Чатов")),
                ("domestic", count("На отечественных платформах")),
                (
                    "domestic_share",
                    described(&[Type::Number, Type::Null], "Их доля"),
                ),
                ("foreign_open", count("Открытых в иностранных мессенджерах")),
                ("inactive_domestic", count("Неактивных на отечественных")),
                ("schools_overdue", count("Школ, не успевших к сроку")),
                (
                    "deadline_status",
                    described(&[Type::String, Type::Null], "met, pending или overdue"),
                ),
                ("days_overdue", count("Дней просрочки")),
                ("classes", count("Классов")),
                (
                    "classes_without_chat",
                    count("Классов без официального чата"),
                ),
                (
                    "schools_without_class_list",
                    count("Школ без списка классов"),
                ),
                (
                    "closing_open",
                    count("Открытых чатов на закрываемых платформах (с даты закрытия)"),
                ),
                (
                    "schools_closing_overdue",
                    count("Школ с открытыми чатами на закрываемой платформе после срока"),
                ),
                (
                    "closing_status",
                    described(
                        &[Type::String, Type::Null],
                        "met, pending или overdue по сроку закрытия; null — закрытие не действует",
                    ),
                ),
                ("closing_days_overdue", count("Дней просрочки закрытия")),
                (
                    "schools_without_channel",
                    count("Школ с чатами, но без официального канала ОО на российской платформе"),
                ),
            ],
            &["id", "name"],
        );
        object(
            "Официальные чаты на дату: объект tsos chats report --format json",
            vec![
                ("as_of", date("Дата")),
                ("level", described(&[Type::String], LEVEL)),
                ("deadline", nullable_date("Срок перехода")),
                (
                    "closings",
                    array(Schema::from(object(
                        "Закрываемая платформа (tsos chats closing)",
                        vec![
                            ("platform", described(&[Type::String], "Код: sferum_vk…")),
                            ("platform_name", described(&[Type::String], "Название")),
                            ("from", date("С какой даты чаты на ней — на закрываемой")),
                            ("deadline", date("Срок переноса")),
                        ],
                        &["platform", "from", "deadline"],
                    ))),
                ),
                ("rows", array(Schema::from(row))),
            ],
            &["as_of", "level", "rows"],
        )
        .into()
    }
}

impl ToSchema for ChatsReportJson {
    fn name() -> std::borrow::Cow<'static, str> {
        "ChatsReport".into()
    }
}

/// `GET /api/chats/schools/{inn}`.
pub(crate) struct SchoolChatsJson;

impl PartialSchema for SchoolChatsJson {
    fn schema() -> RefOr<Schema> {
        let text = |what: &str| described(&[Type::String, Type::Null], what);
        let school = object(
            "Школа",
            vec![
                ("id", described(&[Type::String], "ИНН")),
                ("name", described(&[Type::String], "Название")),
                ("municipality", described(&[Type::String], "Муниципалитет")),
                ("region", described(&[Type::String], "Регион")),
            ],
            &["id", "name"],
        );
        let chat = object(
            "Чат в последнем состоянии на дату",
            vec![
                ("name", described(&[Type::String], "Название")),
                ("purpose", described(&[Type::String], "Назначение (код)")),
                ("class", text("Класс")),
                ("platform", described(&[Type::String], "Платформа")),
                (
                    "domestic",
                    described(&[Type::Boolean], "Отечественная ли платформа"),
                ),
                (
                    "members",
                    described(&[Type::Integer, Type::Null], "Участников"),
                ),
                ("active", described(&[Type::Boolean], "Активен")),
                ("confirmed_on", nullable_date("Подтвержден")),
                ("created_on", nullable_date("Создан")),
                ("moved_on", nullable_date("Перенесен")),
                ("replaces", text("Какой чат заменяет")),
                ("since", date("С какой даты это состояние")),
            ],
            &["name", "platform", "active"],
        );
        object(
            "Чаты школы",
            vec![
                ("as_of", date("Дата")),
                ("school", Schema::from(school)),
                ("chats", array(Schema::from(chat))),
            ],
            &["as_of", "school", "chats"],
        )
        .into()
    }
}

impl ToSchema for SchoolChatsJson {
    fn name() -> std::borrow::Cow<'static, str> {
        "SchoolChats".into()
    }
}

/// `GET /api/openapi.json`: this document.
pub(crate) struct OpenApiJson;

impl PartialSchema for OpenApiJson {
    fn schema() -> RefOr<Schema> {
        described(&[Type::Object], "Документ OpenAPI 3.1").into()
    }
}

impl ToSchema for OpenApiJson {
    fn name() -> std::borrow::Cow<'static, str> {
        "OpenApiDocument".into()
    }
}

/// What every error of the API is: `{"error": "…"}` in Russian.
fn error_response(description: &str) -> ResponseBuilder {
    let schema = object(
        "Ошибка",
        vec![("error", described(&[Type::String], "Что не так, по-русски"))],
        &["error"],
    );
    ResponseBuilder::new()
        .description(description)
        .content("application/json", Content::new(Some(Schema::from(schema))))
}

/// The errors any route of the API may answer with.
pub(crate) struct ApiErrors;

impl IntoResponses for ApiErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let seconds = Header::new(of_type(&[Type::Integer]));
        [
            ("400", error_response("Неверная дата или уровень в запросе")),
            (
                "401",
                error_response("Нет сеанса, или API-токен не найден, истек или отозван"),
            ),
            ("403", error_response("Уровень недоступен учетной записи")),
            (
                "404",
                error_response(
                    "Нет данных на дату, или школа (муниципалитет) вне области учетной записи",
                ),
            ),
            (
                "429",
                error_response("Слишком много запросов с API-токеном")
                    .header("Retry-After", seconds),
            ),
            ("500", error_response("Внутренняя ошибка сервера")),
        ]
        .into_iter()
        .map(|(status, response)| (status.to_string(), RefOr::T(response.build())))
        .collect()
    }
}
