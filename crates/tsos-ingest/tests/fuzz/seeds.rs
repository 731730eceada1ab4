//! The files the fuzzing starts from, made here: small exports in the layouts and with the
//! flaws real ones have, so that most mutations land in a file tsos would otherwise read.
//!
//! CSV of both platforms (UTF-8 with BOM and CRLF, cp1251 with tabs, KOI8-R, CP866 with
//! commas, lone CR line ends, a real multi-line field), the ministry's per-school form, a
//! confirmation form, a registry, chats and classes; the first lines of the demo's exports;
//! XLSX from `rust_xlsxwriter` and the demo, the chats template of `tsos-report` and one
//! filled in; ODS and XLS put together byte by byte.

use std::io::{Cursor, Write};
use std::sync::OnceLock;

use encoding_rs::Encoding;
use tsos_domain::chats::{CLASS_HEADERS, CLASSES_SHEET, TEMPLATE_HEADERS};

/// One file to mutate.
pub struct Seed {
    /// The file's name, whose extension the readers see.
    pub name: String,
    pub bytes: Vec<u8>,
    /// The encoding of its text, so that a word put in is written as the file writes it.
    pub encoding: &'static Encoding,
}

impl Seed {
    fn text(name: &str, encoding: &'static Encoding, text: &str) -> Seed {
        Seed {
            name: name.to_string(),
            bytes: encoding.encode(text).0.into_owned(),
            encoding,
        }
    }

    fn binary(name: &str, bytes: Vec<u8>) -> Seed {
        Seed {
            name: name.to_string(),
            bytes,
            encoding: encoding_rs::UTF_8,
        }
    }
}

/// Per-user rows: (id, full name, role, organisation, confirmed, last date), with the quirks
/// the general and the fast path must read alike.
const USERS: [[&str; 6]; 14] = [
    [
        "101",
        "Иванова Мария Петровна",
        "Учитель",
        "0512345678",
        "Да",
        "01.10.2023",
    ],
    [
        "102",
        "Петров; Иван",
        "Обучающийся",
        "0512345678",
        "Нет",
        "2023-09-30",
    ],
    [
        "103",
        "Сидоров \"Сид\"",
        "Родитель",
        "512345679",
        "",
        "30.09.2023 10:15",
    ],
    [
        "104",
        "Козлова А. Б.",
        "Администратор ОО",
        "0512345679",
        "Да",
        "",
    ],
    [
        "",
        "Без идентификатора",
        " Ученик ",
        "05 1234 5680",
        "yes",
        "2023-09-30T23:30:00+03:00",
    ],
    ["106", "Нет Школы", "Учитель", "-", "1", "15.09.2023"],
    [
        "107",
        "Никогда Не Входил",
        "Педагог",
        "0512345680",
        "Нет",
        "никогда",
    ],
    [
        "101",
        "Иванова Мария Петровна",
        "Учитель",
        "0512345678",
        "Нет",
        "01.01.2021",
    ],
    [
        "108",
        "Дата Неверна",
        "Учитель",
        "0512345678",
        "Да",
        "31.02.2023",
    ],
    [
        "109",
        "Старый Вход",
        "Обучающийся",
        "0512345680",
        "Да",
        "02.10.2022",
    ],
    ["110", "Школа Кодом", "Родитель", "ШК-7", "Да", "01.10.2023"],
    [
        "111",
        "Пробелы",
        "учитель",
        " 0512345681 ",
        "подтверждена",
        "03.10.2023",
    ],
    [
        "112",
        "Длинное Имя",
        "Ученица",
        "0512345681",
        "Нет",
        "45200",
    ],
    ["113", "Нет", "Обучающийся", "нет", "Да", "01.09.2023"],
];

const TITLE: &str = "Выгрузка пользователей ФГИС «Моя школа» по состоянию на 01.10.2023";

/// Quotes a field as Excel does where it needs to.
fn quote(field: &str, delimiter: char) -> String {
    if field.contains(delimiter) || field.contains('"') {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

fn csv_lines(header: &[&str], rows: &[Vec<&str>], delimiter: char) -> Vec<String> {
    let line = |cells: &[&str]| {
        cells
            .iter()
            .map(|c| quote(c, delimiter))
            .collect::<Vec<_>>()
            .join(&delimiter.to_string())
    };
    std::iter::once(line(header))
        .chain(rows.iter().map(|r| line(r)))
        .collect()
}

fn users(columns: [usize; 6]) -> Vec<Vec<&'static str>> {
    USERS
        .iter()
        .map(|user| columns.iter().map(|&c| user[c]).collect())
        .collect()
}

fn csv_seeds() -> Vec<Seed> {
    let utf8 = encoding_rs::UTF_8;
    let header = [
        "ID",
        "ФИО",
        "Роль",
        "ИНН ОО",
        "Подтвержденная УЗ",
        "Дата последней авторизации",
    ];
    let mut seeds = Vec::new();

    // My School: UTF-8 with BOM, CRLF, a title and a blank line, blank and totals rows.
    let mut lines = vec![TITLE.to_string(), String::new()];
    lines.extend(csv_lines(&header, &users([0, 1, 2, 3, 4, 5]), ';'));
    lines.insert(9, ";;;;;".into());
    lines.push(String::new());
    lines.push(";Итого;;;;".into());
    seeds.push(Seed::text(
        "myschool.csv",
        utf8,
        &format!("\u{feff}{}\r\n", lines.join("\r\n")),
    ));

    // Sferum: cp1251, tabs, its own words for the columns, no confirmation column.
    let sferum_header = [
        "Идентификатор пользователя",
        "Фамилия Имя Отчество",
        "Тип пользователя",
        "ИНН организации",
        "Дата последней активности",
    ];
    let rows: Vec<Vec<&str>> = users([0, 1, 2, 3, 5, 5])
        .into_iter()
        .map(|r| r[..5].to_vec())
        .collect();
    let lines = csv_lines(&sferum_header, &rows, '\t');
    seeds.push(Seed::text(
        "sferum.csv",
        encoding_rs::WINDOWS_1251,
        &format!("Сферум на 01.10.2023\n{}\n", lines.join("\n")),
    ));

    // KOI8-R and CP866, as old systems save them.
    let lines = csv_lines(&header, &users([0, 1, 2, 3, 4, 5]), ';');
    seeds.push(Seed::text(
        "koi8.csv",
        encoding_rs::KOI8_R,
        &format!("{}\n", lines.join("\n")),
    ));
    let lines = csv_lines(&header, &users([0, 1, 2, 3, 4, 5]), ',');
    seeds.push(Seed::text(
        "cp866.csv",
        encoding_rs::IBM866,
        &format!("{TITLE}\n{}", lines.join("\n")),
    ));

    // Lone CR line ends (old Mac Excel), and a real field across lines.
    let lines = csv_lines(&header, &users([0, 1, 2, 3, 4, 5]), ';');
    seeds.push(Seed::text(
        "cr.csv",
        utf8,
        &format!("{}\r", lines.join("\r")),
    ));
    let mut rows = users([0, 1, 2, 3, 4, 5]);
    rows[1][1] = "Адрес:\nг. Махачкала,\nул. Ленина, 1";
    let lines = csv_lines(&header, &rows, ';');
    seeds.push(Seed::text(
        "multiline.csv",
        utf8,
        &format!("{}\n", lines.join("\n")),
    ));

    // The ministry's per-school form: counts with no-break spaces, shares in percent.
    let schools = [
        "ИНН;Наименование ОО;Муниципальное образование;Численность педагогов;Количество активных педагогов;Доля активных педагогов, %;Численность обучающихся;Количество активных обучающихся",
        "0512345678;МБОУ \"СОШ №1\";г. Махачкала;80;64;80,0;1\u{a0}234;1\u{a0}000",
        "\"0512345679\";\"МКОУ \"\"Лицей\"\"; корпус 2\";Дербентский район;45;-;;612;600",
        "512345680;СОШ №3;Каспийск;12;13;108,3 %;120;0",
        "0512345681;Гимназия;Каспийск;0;0;0;0;0",
        ";Итого;;137;77;;1\u{a0}966;1\u{a0}600",
    ];
    seeds.push(Seed::text(
        "schools.csv",
        encoding_rs::WINDOWS_1251,
        &format!(
            "Мониторинг использования на 1 сентября 2023 г.\n{}\n",
            schools.join("\n")
        ),
    ));
    let confirmation = [
        "ИНН;Всего учеников;Подтвержденные ученики;Не подтвержденные ученики;Всего учителей;Подтвержденные учителя",
        "0512345678;500;450;50;40;38",
        "0512345679;1 200;1 100;100;80;79",
        "0512345680;0;0;0;0;0",
    ];
    seeds.push(Seed::text(
        "confirmation.csv",
        utf8,
        &format!("{}\n", confirmation.join("\n")),
    ));

    // A registry with commas and quoted names.
    let registry = [
        "ИНН,Полное наименование ОО,Муниципальное образование,Субъект РФ,Численность педагогических работников,Численность обучающихся",
        "0512345678,\"МБОУ \"\"СОШ №1\"\", г. Махачкала\",г. Махачкала,Республика Дагестан,80,1234",
        "0512345679,МКОУ Лицей,Дербентский район,Республика Дагестан,45,612",
        "512345680,СОШ №3,Каспийск,Республика Дагестан,12,120",
        "0512345678,Дубль,Каспийск,Республика Дагестан,1,1",
    ];
    seeds.push(Seed::text(
        "registry.csv",
        utf8,
        &format!("Реестр ОО на 01.09.2023г.\n{}\n", registry.join("\n")),
    ));

    // Chats and classes, as a school fills them in.
    let chats: Vec<Vec<&str>> = vec![
        vec![
            "0512345678",
            "5А — родители",
            "родительский",
            "5А",
            "Сферум",
            "27",
            "Да",
            "01.10.2023",
            "01.09.2022",
            "15.09.2023",
            "5А — родители (WhatsApp)",
        ],
        vec![
            "0512345678",
            "5Б — класс",
            "классный",
            "5Б",
            "вотсап",
            "",
            "Нет",
            "",
            "",
            "",
            "",
        ],
        vec![
            "0512345678",
            "Педагоги",
            "педагогический коллектив",
            "",
            "MAX",
            "60",
            "",
            "31.02.2023",
            "",
            "",
            "",
        ],
    ];
    let lines = csv_lines(&TEMPLATE_HEADERS, &chats, ';');
    seeds.push(Seed::text(
        "chats.csv",
        utf8,
        &format!(
            "Реестр официальных чатов по состоянию на 01.10.2023\n{}\n",
            lines.join("\n")
        ),
    ));
    let classes: Vec<Vec<&str>> = vec![
        vec!["0512345678", "5 а", "25"],
        vec!["0512345678", "5А", "26"],
        vec!["0512345678", " - ", "много"],
    ];
    let lines = csv_lines(&CLASS_HEADERS, &classes, ';');
    seeds.push(Seed::text(
        "classes.csv",
        utf8,
        &format!("{}\n", lines.join("\n")),
    ));
    seeds
}

/// The demo's exports of two schools: its CSV cut to their first lines, its workbooks whole.
fn demo_seeds() -> Vec<Seed> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let files = tsos_demo::generate(&tsos_demo::DemoOptions {
        out_dir: dir.path().to_path_buf(),
        schools: 2,
        months: 8,
        ..tsos_demo::DemoOptions::default()
    })
    .expect("the demo writes its files");
    let mut seeds = Vec::new();
    let mut kinds = std::collections::HashSet::new();
    for file in files {
        let name = file
            .path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let ext = name.rsplit('.').next().unwrap_or("").to_string();
        // One file of each kind and form is enough: the rest are the same layouts.
        if !kinds.insert((file.dataset == "registry", file.description.clone())) {
            continue;
        }
        let bytes = std::fs::read(&file.path).expect("a demo file");
        let seed = if ext == "csv" {
            let cut: usize = bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .nth(40)
                .map_or(bytes.len(), |(at, _)| at + 1);
            let encoding = if std::str::from_utf8(&bytes[..cut]).is_ok() {
                encoding_rs::UTF_8
            } else {
                encoding_rs::WINDOWS_1251
            };
            Seed {
                name,
                bytes: bytes[..cut].to_vec(),
                encoding,
            }
        } else {
            Seed::binary(&name, bytes)
        };
        seeds.push(seed);
    }
    seeds
}

/// Every CSV seed.
pub fn csv() -> &'static [Seed] {
    static SEEDS: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut seeds = csv_seeds();
        seeds.extend(
            demo()
                .iter()
                .filter(|s| s.name.ends_with(".csv"))
                .map(|s| Seed {
                    name: s.name.clone(),
                    bytes: s.bytes.clone(),
                    encoding: s.encoding,
                }),
        );
        seeds
    })
}

fn demo() -> &'static [Seed] {
    static SEEDS: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS.get_or_init(demo_seeds)
}

/// Every ZIP package seed: XLSX and ODS.
pub fn packages() -> &'static [Seed] {
    static SEEDS: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut seeds = vec![
            Seed::binary("users.xlsx", users_xlsx()),
            Seed::binary("schools.xlsx", schools_xlsx()),
            Seed::binary(
                "template.xlsx",
                tsos_report::chats::template("0512345678").expect("the chats template"),
            ),
            Seed::binary("chats.xlsx", chats_xlsx()),
            Seed::binary("users.ods", users_ods()),
        ];
        seeds.extend(
            demo()
                .iter()
                .filter(|s| s.name.ends_with(".xlsx"))
                .map(|s| Seed::binary(&s.name, s.bytes.clone())),
        );
        seeds
    })
}

/// The XLS seeds.
pub fn xls() -> &'static [Seed] {
    static SEEDS: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS.get_or_init(|| vec![Seed::binary("users.xls", users_xls())])
}

fn users_xlsx() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .merge_range(0, 0, 0, 5, TITLE, &Format::new().set_bold())
        .unwrap();
    let header = [
        "ID",
        "ФИО",
        "Роль",
        "ИНН ОО",
        "Статус УЗ",
        "Дата последней авторизации",
    ];
    sheet.write_row(2, 0, header).unwrap();
    let date_format = Format::new().set_num_format("dd.mm.yyyy hh:mm");
    for (idx, user) in USERS.iter().enumerate() {
        let row = idx as u32 + 3;
        sheet.write_string(row, 0, user[0]).unwrap();
        sheet.write_string(row, 1, user[1]).unwrap();
        sheet.write_string(row, 2, user[2]).unwrap();
        // ИНН as numbers, as Excel keeps them, losing the leading zero.
        match user[3].parse::<f64>() {
            Ok(inn) => sheet.write_number(row, 3, inn).unwrap(),
            Err(_) => sheet.write_string(row, 3, user[3]).unwrap(),
        };
        match user[4] {
            "Да" => sheet.write_boolean(row, 4, true).unwrap(),
            "Нет" => sheet.write_boolean(row, 4, false).unwrap(),
            other => sheet.write_string(row, 4, other).unwrap(),
        };
        let date = user[5]
            .split('.')
            .map(|p| p.parse::<u16>())
            .collect::<Result<Vec<_>, _>>();
        match date.as_deref() {
            Ok([d, m, y]) => {
                let date = ExcelDateTime::from_ymd(*y, *m as u8, *d as u8)
                    .and_then(|d| d.and_hms(8, 30, 0));
                match date {
                    Ok(date) => sheet
                        .write_datetime_with_format(row, 5, &date, &date_format)
                        .unwrap(),
                    Err(_) => sheet.write_string(row, 5, user[5]).unwrap(),
                };
            }
            _ => {
                sheet.write_string(row, 5, user[5]).unwrap();
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

fn schools_xlsx() -> Vec<u8> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("Форма").unwrap();
    sheet
        .write_string(0, 0, "Мониторинг по состоянию на 01.10.2023")
        .unwrap();
    let header = [
        "ИНН",
        "Наименование ОО",
        "Численность педагогов",
        "Количество активных педагогов",
        "Доля активных педагогов",
        "Численность обучающихся",
    ];
    sheet.write_row(1, 0, header).unwrap();
    let percent = Format::new().set_num_format("0.0%");
    let rows: [(f64, &str, f64, f64, f64, &str); 4] = [
        (512345678.0, "МБОУ СОШ №1", 80.0, 64.0, 0.8, "1 234"),
        (512345679.0, "Лицей", 45.0, 40.0, 0.889, "612"),
        (512345680.0, "СОШ №3", 0.0, 0.0, 0.0, "0"),
        (512345678.0, "Дубль", 1.0, 2.0, 2.0, "-"),
    ];
    for (idx, (inn, name, teachers, active, share, students)) in rows.iter().enumerate() {
        let row = idx as u32 + 2;
        sheet.write_number(row, 0, *inn).unwrap();
        sheet.write_string(row, 1, *name).unwrap();
        sheet.write_number(row, 2, *teachers).unwrap();
        sheet.write_number(row, 3, *active).unwrap();
        sheet
            .write_number_with_format(row, 4, *share, &percent)
            .unwrap();
        sheet.write_string(row, 5, *students).unwrap();
    }
    sheet.write_string(6, 1, "Итого").unwrap();
    sheet.write_formula(6, 2, "=SUM(C3:C6)").unwrap();
    workbook.save_to_buffer().unwrap()
}

fn chats_xlsx() -> Vec<u8> {
    use rust_xlsxwriter::Workbook;
    let mut workbook = Workbook::new();
    let chats = workbook.add_worksheet().set_name("Чаты").unwrap();
    chats
        .write_string(0, 0, "Реестр чатов по состоянию на 01.10.2023")
        .unwrap();
    chats.write_row(1, 0, TEMPLATE_HEADERS).unwrap();
    let rows = [
        [
            "0512345678",
            "5А — класс",
            "классный",
            "5А",
            "Сферум",
            "25",
            "Да",
        ],
        [
            "0512345678",
            "5А — родители",
            "родительский",
            "5А",
            "тг",
            "40",
            "Нет",
        ],
        [
            "0512345679",
            "Педагоги",
            "педагогический коллектив",
            "",
            "VK",
            "",
            "",
        ],
    ];
    for (idx, row) in rows.iter().enumerate() {
        chats.write_row(2 + idx as u32, 0, *row).unwrap();
    }
    chats.write_number(5, 0, 512345680.0).unwrap();
    chats.write_string(5, 1, "Администрация").unwrap();
    chats.write_string(5, 2, "администрация").unwrap();
    chats.write_string(5, 4, "MAX").unwrap();
    chats.write_number(5, 7, 45200.0).unwrap();
    let classes = workbook.add_worksheet().set_name(CLASSES_SHEET).unwrap();
    classes.write_string(0, 0, "Список классов").unwrap();
    classes.write_row(1, 0, CLASS_HEADERS).unwrap();
    for (idx, (label, n)) in [("5А", 25.0), ("5Б", 24.0), ("11", 0.0)].iter().enumerate() {
        classes
            .write_string(2 + idx as u32, 0, "0512345678")
            .unwrap();
        classes.write_string(2 + idx as u32, 1, *label).unwrap();
        classes.write_number(2 + idx as u32, 2, *n).unwrap();
    }
    workbook.save_to_buffer().unwrap()
}

/// An ODS of one sheet with a title, a header and per-user rows of every value type, with
/// the repeats LibreOffice writes.
fn users_ods() -> Vec<u8> {
    let text = |t: &str| {
        format!(
            r#"<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>"#,
            t.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('"', "&quot;")
        )
    };
    let mut rows = String::new();
    rows.push_str(&format!(
        r#"<table:table-row>{}<table:covered-table-cell table:number-columns-repeated="4"/></table:table-row>"#,
        text(TITLE)
    ));
    rows.push_str(r#"<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="6"/></table:table-row>"#);
    rows.push_str("<table:table-row>");
    for h in [
        "ID",
        "ФИО",
        "Роль",
        "ИНН ОО",
        "Подтвержденная УЗ",
        "Дата последней авторизации",
    ] {
        rows.push_str(&text(h));
    }
    rows.push_str("</table:table-row>");
    for (idx, user) in USERS.iter().enumerate() {
        rows.push_str("<table:table-row>");
        rows.push_str(&format!(
            r#"<table:table-cell office:value-type="float" office:value="{}"><text:p>{}</text:p></table:table-cell>"#,
            100 + idx,
            100 + idx
        ));
        rows.push_str(&text(user[1]));
        rows.push_str(&text(user[2]));
        rows.push_str(&text(user[3]));
        match idx % 3 {
            0 => rows.push_str(r#"<table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>ИСТИНА</text:p></table:table-cell>"#),
            1 => rows.push_str(r#"<table:table-cell office:value-type="percentage" office:value="1"><text:p>100%</text:p></table:table-cell>"#),
            _ => rows.push_str(&text(user[4])),
        }
        match idx % 4 {
            0 => rows.push_str(r#"<table:table-cell office:value-type="date" office:date-value="2023-09-30T10:15:00"><text:p>30.09.2023</text:p></table:table-cell>"#),
            1 => rows.push_str(r#"<table:table-cell office:value-type="float" office:value="45200.5"><text:p>45200,5</text:p></table:table-cell>"#),
            _ => rows.push_str(&text(user[5])),
        }
        rows.push_str("</table:table-row>");
    }
    rows.push_str(r#"<table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#);
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Лист1">{rows}</table:table><table:table table:name="{CLASSES_SHEET}"><table:table-row>{}{}</table:table-row><table:table-row>{}{}</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#,
        text("ИНН ОО"),
        text("Класс"),
        text("0512345678"),
        text("5А"),
    );
    ods(&content)
}

/// An ODS package whose `content.xml` is `content`.
pub fn ods(content: &str) -> Vec<u8> {
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    zip(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet".as_slice(),
        ),
        ("META-INF/manifest.xml", manifest.as_bytes()),
        ("content.xml", content.as_bytes()),
    ])
}

/// A ZIP package of `parts`, each deflated but the ODS `mimetype`.
fn zip(parts: &[(&str, &[u8])]) -> Vec<u8> {
    use zip::CompressionMethod;
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in parts {
        let method = if *name == "mimetype" {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        zip.start_file(
            *name,
            SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A BIFF8 record.
fn record(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 4);
    out.extend(kind.to_le_bytes());
    out.extend((data.len() as u16).to_le_bytes());
    out.extend(data);
    out
}

/// A string of BIFF8 in UTF-16, with a 16-bit (`wide`) or an 8-bit length.
fn biff_string(text: &str, wide: bool) -> Vec<u8> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut out = if wide {
        (units.len() as u16).to_le_bytes().to_vec()
    } else {
        vec![units.len() as u8]
    };
    out.push(1);
    out.extend(units.iter().flat_map(|u| u.to_le_bytes()));
    out
}

/// The XLS of one sheet, «Лист1», of per-user rows: strings in the shared table, ИНН and
/// dates as numbers, as Excel 97–2003 saves them.
fn users_xls() -> Vec<u8> {
    let bof = |kind: u16| {
        let mut data = 0x0600u16.to_le_bytes().to_vec();
        data.extend(kind.to_le_bytes());
        data.extend([0; 12]);
        record(0x0809, &data)
    };
    let mut strings: Vec<String> = Vec::new();
    let mut cells: Vec<Vec<u8>> = Vec::new();
    let mut string_cell = |row: u16, col: u16, text: &str, strings: &mut Vec<String>| {
        let at = strings.iter().position(|s| s == text).unwrap_or_else(|| {
            strings.push(text.to_string());
            strings.len() - 1
        });
        let mut data = row.to_le_bytes().to_vec();
        data.extend(col.to_le_bytes());
        data.extend(0u16.to_le_bytes());
        data.extend((at as u32).to_le_bytes());
        cells.push(record(0x00FD, &data));
    };
    let number = |row: u16, col: u16, value: f64| {
        let mut data = row.to_le_bytes().to_vec();
        data.extend(col.to_le_bytes());
        data.extend(0u16.to_le_bytes());
        data.extend(value.to_le_bytes());
        record(0x0203, &data)
    };
    string_cell(0, 0, TITLE, &mut strings);
    for (col, text) in [
        "ID",
        "Роль",
        "ИНН ОО",
        "Подтвержденная УЗ",
        "Дата последней авторизации",
    ]
    .iter()
    .enumerate()
    {
        string_cell(2, col as u16, text, &mut strings);
    }
    let mut numbers = Vec::new();
    for (idx, user) in USERS.iter().enumerate() {
        let row = idx as u16 + 3;
        numbers.push(number(row, 0, 100.0 + idx as f64));
        string_cell(row, 1, user[2], &mut strings);
        match user[3].parse::<f64>() {
            Ok(inn) => numbers.push(number(row, 2, inn)),
            Err(_) => string_cell(row, 2, user[3], &mut strings),
        }
        string_cell(row, 3, user[4], &mut strings);
        numbers.push(number(row, 4, 45_190.0 + idx as f64));
    }
    let mut sst = (strings.len() as u32).to_le_bytes().to_vec();
    sst.extend((strings.len() as u32).to_le_bytes());
    for s in &strings {
        sst.extend(biff_string(s, true));
    }
    let mut sheet_name = vec![0, 0];
    sheet_name.extend(biff_string("Лист1", false));
    // The sheet's entry: its header, its position and its name; then the end of the globals.
    let globals_len = bof(5).len() + record(0x00FC, &sst).len() + 4 + 4 + sheet_name.len() + 4;
    let mut bound = (globals_len as u32).to_le_bytes().to_vec();
    bound.extend(&sheet_name);
    let mut stream = bof(5);
    stream.extend(record(0x00FC, &sst));
    stream.extend(record(0x0085, &bound));
    stream.extend(record(0x000A, &[]));
    assert_eq!(
        stream.len(),
        globals_len,
        "the sheet starts where its entry says"
    );
    stream.extend(bof(0x10));
    for cell in cells.iter().chain(&numbers) {
        stream.extend(cell);
    }
    stream.extend(record(0x000A, &[]));
    compound_file(&stream)
}

/// A compound file of 512-byte sectors whose one stream is `Workbook`: the allocation table
/// in sector 0, the directory in sector 1, the stream from sector 2 on, at least 4,096 bytes
/// so that it is not kept in the small-stream area.
fn compound_file(stream: &[u8]) -> Vec<u8> {
    const FREE: u32 = 0xFFFF_FFFF;
    const END: u32 = 0xFFFF_FFFE;
    const FAT_SECTOR: u32 = 0xFFFF_FFFD;
    let mut stream = stream.to_vec();
    stream.resize(stream.len().max(4096).next_multiple_of(512), 0);
    let sectors = (stream.len() / 512) as u32;
    assert!(
        sectors + 2 <= 128,
        "one sector of the allocation table is enough"
    );
    let mut fat = vec![FREE; 128];
    fat[0] = FAT_SECTOR;
    fat[1] = END;
    for id in 2..2 + sectors {
        fat[id as usize] = if id == sectors + 1 { END } else { id + 1 };
    }
    let mut header = vec![0u8; 76];
    header[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let set = |bytes: &mut Vec<u8>, at: usize, value: &[u8]| {
        bytes[at..at + value.len()].copy_from_slice(value);
    };
    set(&mut header, 24, &0x3Eu16.to_le_bytes()); // minor version
    set(&mut header, 26, &3u16.to_le_bytes()); // major version: 512-byte sectors
    set(&mut header, 28, &0xFFFEu16.to_le_bytes()); // byte order
    set(&mut header, 30, &9u16.to_le_bytes()); // sector size 2^9
    set(&mut header, 32, &6u16.to_le_bytes()); // small sector size 2^6
    set(&mut header, 44, &1u32.to_le_bytes()); // sectors of the allocation table
    set(&mut header, 48, &1u32.to_le_bytes()); // the directory's first sector
    set(&mut header, 56, &4096u32.to_le_bytes()); // small-stream cutoff
    set(&mut header, 60, &END.to_le_bytes()); // no small-sector table
    set(&mut header, 68, &END.to_le_bytes()); // no extra allocation table sectors
    // The first of the 109 allocation table sectors the header lists; the rest are free.
    header.extend(0u32.to_le_bytes());
    header.extend(std::iter::repeat_n(FREE.to_le_bytes(), 108).flatten());
    let entry = |name: &str, kind: u8, child: u32, start: u32, size: u32| {
        let mut e = vec![0u8; 128];
        let units: Vec<u16> = name.encode_utf16().chain([0]).collect();
        for (i, u) in units.iter().enumerate() {
            e[i * 2..i * 2 + 2].copy_from_slice(&u.to_le_bytes());
        }
        e[64..66].copy_from_slice(&((units.len() * 2) as u16).to_le_bytes());
        e[66] = kind;
        e[67] = 1; // black
        e[68..72].copy_from_slice(&FREE.to_le_bytes());
        e[72..76].copy_from_slice(&FREE.to_le_bytes());
        e[76..80].copy_from_slice(&child.to_le_bytes());
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..124].copy_from_slice(&size.to_le_bytes());
        e
    };
    let mut file = header;
    file.extend(fat.iter().flat_map(|id| id.to_le_bytes()));
    file.extend(entry("Root Entry", 5, 1, END, 0));
    file.extend(entry("Workbook", 2, FREE, 2, stream.len() as u32));
    file.extend([0u8; 256]);
    file.extend(&stream);
    file
}
