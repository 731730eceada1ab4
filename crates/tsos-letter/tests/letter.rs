//! A letter and notices from a hand-made report: the figures, the lagging schools, the
//! requisites, all in a valid DOCX.

use std::io::Read;

use jiff::civil::date;
use tsos_domain::fixtures::{ReportFixture, per_user_counts, put};
use tsos_domain::{Level, Report, Role, RoleCounts, SchoolInfo};
use tsos_letter::{
    Addressees, Block, ChatRegister, DEFAULT_NOTICE_TEMPLATE, DEFAULT_TEMPLATE, LetterInput,
    LetterSettings, Repeated, TemplateError, build_letter, build_notices,
};

fn school(id: &str, name: &str, teachers: u64, students: u64) -> SchoolInfo {
    tsos_domain::fixtures::school(
        id,
        name,
        "Буйнакский район",
        &[(Role::Teachers, teachers), (Role::Students, students)],
    )
}

fn report(level: Level) -> Report {
    let schools = vec![
        school("0500000001", "МБОУ «СОШ №1»", 60, 600),
        school("0500000002", "МКОУ «Агачаульская СОШ»", 40, 400),
    ];
    let mut counts = per_user_counts();
    for (id, role, active) in [
        ("0500000001", Role::Teachers, 60),
        ("0500000002", Role::Teachers, 21),
        ("0500000002", Role::Students, 0),
    ] {
        let figures = RoleCounts {
            registered: Some(active),
            confirmed: Some(active),
            active: Some(active),
            leaving: Some(3),
        };
        put(&mut counts, id, role, figures);
    }
    ReportFixture::new(date(2023, 10, 1), schools)
        .platform(Some(counts))
        .target("myschool.students", 0.2)
        .build(level)
}

fn part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

fn document_xml(bytes: &[u8]) -> String {
    part(bytes, "word/document.xml")
}

/// A letter's input as the tests give it unless they say otherwise: № 01-12/7 of 12.10.2023
/// to the schools, with the deadline 20.10.2023, a yellow band of 10 points, no letter
/// repeated and no chats registry.
fn input<'a>(
    settings: &'a LetterSettings,
    overall: &'a Report,
    details: &'a Report,
) -> LetterInput<'a> {
    LetterInput {
        settings,
        number: "01-12/7".into(),
        date: date(2023, 10, 12),
        deadline: date(2023, 10, 20),
        to: Addressees::Schools,
        overall,
        details,
        yellow_band_pp: 10.0,
        repeated: Vec::new(),
        chats: None,
    }
}

#[test]
fn the_default_letter_says_what_the_seed_letter_says() {
    let overall = report(Level::Region);
    let details = report(Level::School);
    let settings = LetterSettings {
        authority: "МКУ «Управление образования»".into(),
        number_prefix: "01-12/".into(),
        ..LetterSettings::default()
    };
    let letter = build_letter(
        &LetterInput {
            repeated: vec![Repeated {
                number: "01-12/3".into(),
                date: date(2023, 9, 12),
                names: vec!["МКОУ «Агачаульская СОШ»".into()],
                unanswered: vec!["МКОУ «Агачаульская СОШ»".into()],
            }],
            ..input(&settings, &overall, &details)
        },
        DEFAULT_TEMPLATE,
    )
    .unwrap();
    let text = letter.paper.blocks.texts();
    let all = text.join("\n");
    // 81 of 100 teachers, 0 of 1000 students.
    assert!(
        all.contains("Доля учителей, использующих ФГИС «Моя школа», – 81,0 %"),
        "{all}"
    );
    assert!(
        all.contains("доля учеников, использующих ФГИС «Моя школа», – 0,0 %"),
        "{all}"
    );
    assert!(
        all.contains("хотя бы один раз авторизовались за последние 365 дней"),
        "{all}"
    );
    assert!(all.contains("Срок – до 20.10.2023."), "{all}");
    assert!(
        all.contains("МКУ «Управление образования» доводит"),
        "{all}"
    );
    assert!(
        all.contains("Ни одна из 2 общеобразовательных организаций"),
        "{all}"
    );
    assert!(
        all.contains("Повторно не выполнены требования письма от 12.09.2023 № 01-12/3"),
        "{all}"
    );
    assert!(all.contains("проводятся ежемесячно"), "{all}");
    // Sferum has no snapshot: said so rather than a made-up figure.
    assert!(all.contains("ИКОП «Сферум», – нет данных"), "{all}");
    // The lagging schools, lowest share first per indicator.
    let items: Vec<&str> = letter
        .paper
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Item(t) => Some(t.as_str()),
            Block::Paragraph(_) => None,
        })
        .collect();
    assert_eq!(items.len(), 3, "{items:?}");
    assert!(
        items[0].starts_with("1. МКОУ «Агачаульская СОШ»: ФГИС «Моя школа», педагоги – 52,5 %"),
        "{items:?}"
    );
    assert_eq!(letter.named.len(), 3);

    let bytes = tsos_letter::docx::write(&[&letter.paper]).unwrap();
    let xml = document_xml(&bytes);
    assert!(part(&bytes, "word/styles.xml").contains("Times New Roman"));
    for needle in ["81,0 %", "20.10.2023", "01-12/7", "МКОУ «Агачаульская СОШ»"]
    {
        assert!(
            xml.contains(needle) || xml.contains(&needle.replace('«', "&#171;")),
            "{needle} not in document.xml"
        );
    }
}

#[test]
fn notices_go_to_each_school_below_target() {
    let details = report(Level::School);
    let notices = build_notices(
        &details,
        &LetterSettings::default(),
        "01-12/7",
        date(2023, 10, 12),
        date(2023, 10, 20),
        None,
        DEFAULT_NOTICE_TEMPLATE,
    )
    .unwrap();
    // «СОШ №1» has every teacher active and no students' target: no notice.
    assert_eq!(notices.len(), 2);
    let agachaul = notices
        .iter()
        .find(|n| n.school_id == "0500000002")
        .unwrap();
    assert_eq!(
        agachaul.paper.addressee,
        "Руководителю МКОУ «Агачаульская СОШ»"
    );
    let text: String = agachaul.paper.blocks.texts().join("\n");
    assert!(text.contains("педагоги: 52,5 % (21 из 40) при целевом значении 100,0 %; не хватает активных пользователей: 19"), "{text}");
    assert!(text.contains("место в муниципалитете: 2 из 2"), "{text}");
    assert!(
        text.contains("к 01.11.2023 выйдут из окна активности, если не зайдут: 3"),
        "{text}"
    );
    assert!(text.contains("в срок до 20.10.2023"), "{text}");
    let bytes =
        tsos_letter::docx::write(&notices.iter().map(|n| &n.paper).collect::<Vec<_>>()).unwrap();
    assert!(document_xml(&bytes).contains("Уведомление о результатах мониторинга"));
}

#[test]
fn the_cutoff_list_names_shares_below_it_whatever_the_target() {
    let overall = report(Level::Region);
    let details = report(Level::School);
    let template = "Ниже {{порог}}: {{число_ниже_порога}}.\n\n\
                    {{#ниже_порога}}{{номер}}. {{наименование}}: {{показатель}} – {{доля}}.\n{{/ниже_порога}}";
    let letter_with = |settings: &LetterSettings| -> Vec<String> {
        let letter = build_letter(
            &LetterInput {
                number: "1".into(),
                ..input(settings, &overall, &details)
            },
            template,
        )
        .unwrap();
        letter.paper.blocks.texts()
    };
    // Teachers 100 % and 52,5 %; students 0 % in both. Below 55 %: the Агачаульская
    // teachers and both schools' students (the students' target is 20 %, the teachers' 100 %:
    // the list does not look at them).
    let settings = LetterSettings::from_toml("cutoff = \"55%\"\n").unwrap();
    let text = letter_with(&settings);
    assert_eq!(text[0], "Ниже 55,0 %: 2.", "{text:?}");
    assert!(
        text[1].starts_with("1. МКОУ «Агачаульская СОШ»") && text[1].contains("52,5 %"),
        "{text:?}"
    );
    assert_eq!(text.len(), 4, "{text:?}");
    // Without a cut-off in the settings the list is empty and says so.
    let text = letter_with(&LetterSettings::default());
    assert_eq!(text, ["Ниже не задан: 0."]);
    let err = LetterSettings::from_toml("cutoff = \"120%\"\n").unwrap_err();
    assert!(err.to_string().contains("cutoff"), "{err}");
}

#[test]
fn an_unknown_placeholder_names_itself() {
    let overall = report(Level::Region);
    let details = report(Level::School);
    let err = build_letter(
        &LetterInput {
            number: "1".into(),
            ..input(&LetterSettings::default(), &overall, &details)
        },
        "Срок – до {{срок}}. Доля – {{доля myschool.pupils}}.",
    )
    .unwrap_err();
    assert!(matches!(err, TemplateError::Unknown { .. }));
    assert!(
        err.to_string().contains("{{доля myschool.pupils}}"),
        "{err}"
    );
    assert!(
        err.to_string().contains("доля myschool.teachers"),
        "the known ones are listed: {err}"
    );
}

#[test]
fn the_pdf_says_it_in_russian_with_the_school_names() {
    let overall = report(Level::Region);
    let details = report(Level::School);
    let letter = build_letter(
        &input(&LetterSettings::default(), &overall, &details),
        DEFAULT_TEMPLATE,
    )
    .unwrap();
    let notices = build_notices(
        &details,
        &LetterSettings::default(),
        "01-12/7",
        date(2023, 10, 12),
        date(2023, 10, 20),
        None,
        DEFAULT_NOTICE_TEMPLATE,
    )
    .unwrap();
    let mut papers = vec![&letter.paper];
    papers.extend(notices.iter().map(|n| &n.paper));
    let bytes = tsos_letter::pdf::write(&papers).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, &bytes).unwrap();
    match std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(output) if output.status.success() => {
            // Non-breaking spaces keep «81,0 %» on one line; pdftotext gives them back as such.
            let text = String::from_utf8(output.stdout)
                .unwrap()
                .replace('\u{a0}', " ");
            for needle in [
                "81,0 %",
                "МКОУ «Агачаульская СОШ»",
                "20.10.2023",
                "Уведомление о результатах",
            ] {
                assert!(text.contains(needle), "{needle} not in\n{text}");
            }
        }
        _ => eprintln!(
            "pdftotext is not installed (Debian: poppler-utils): the PDF's text was not checked"
        ),
    }
}

/// What poppler's `tool` says of the PDF `bytes`, or `None` where poppler-utils is absent.
fn poppler(tool: &str, bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paper.pdf");
    std::fs::write(&path, bytes).unwrap();
    let output = std::process::Command::new(tool).arg(&path).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn the_pdf_is_set_in_a_distribution_serif_where_installed_and_says_which() {
    use tsos_letter::pdf::{BodyFont, write_in};

    let details = report(Level::School);
    let notices = build_notices(
        &details,
        &LetterSettings::default(),
        "01-12/7",
        date(2023, 10, 12),
        date(2023, 10, 20),
        None,
        DEFAULT_NOTICE_TEMPLATE,
    )
    .unwrap();
    let paper = [&notices[0].paper];
    let regular = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf";
    // A family none of whose files exist is no font: the embedded serif stands in.
    let absent = BodyFont::first_of(&[("PT Serif", &["/nonexistent/PTF55F.ttf"])]);
    assert_eq!(absent.family, "Libertinus Serif");
    assert!(absent.files.is_empty());
    let mut cases = vec![(absent, "LibertinusSerif")];
    if std::path::Path::new(regular).exists() {
        let liberation = BodyFont::first_of(&[("Liberation Serif", &[regular])]);
        assert_eq!(
            (liberation.family.as_str(), liberation.files.len()),
            ("Liberation Serif", 1)
        );
        cases.push((liberation, "LiberationSerif"));
    } else {
        eprintln!(
            "{regular} is not installed (Debian: fonts-liberation2): only the fallback checked"
        );
    }
    for (font, embedded_as) in cases {
        let bytes = write_in(&paper, &font).unwrap();
        let (Some(fonts), Some(info)) = (poppler("pdffonts", &bytes), poppler("pdfinfo", &bytes))
        else {
            eprintln!("pdffonts is not installed (Debian: poppler-utils): fonts not checked");
            return;
        };
        // Every face of the text is the chosen family (a subset, «ABCDEF+LiberationSerif»).
        let faces: Vec<&str> = fonts
            .lines()
            .skip(2)
            .filter_map(|line| line.split_whitespace().next())
            .collect();
        assert!(!faces.is_empty(), "{fonts}");
        assert!(
            faces.iter().all(|face| face.contains(embedded_as)),
            "{embedded_as}: {fonts}"
        );
        assert!(
            info.contains(&format!("шрифт: {}", font.family)),
            "the keywords name the font: {info}"
        );
    }
}

/// A font file the settings name is used whatever its file name, and a file that cannot be
/// read or is no font is an error that names it. Liberation Sans, not a serif, so that the
/// PDF shows the file was used and not the serif lookup.
#[test]
fn a_font_file_named_in_the_settings_is_used_or_named_in_the_error() {
    use tsos_letter::pdf::{BodyFont, FontError, write_in};

    let sans = "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf";
    let sans_bold = "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf";
    let serif_bold = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf";
    let dir = tempfile::tempdir().unwrap();
    let settings = |regular: &std::path::Path, bold: Option<&std::path::Path>| {
        let bold = bold
            .map(|b| format!("bold = {:?}\n", b.to_str().unwrap()))
            .unwrap_or_default();
        LetterSettings::from_toml(&format!(
            "authority = \"УО\"\n[font]\nregular = {:?}\n{bold}",
            regular.to_str().unwrap()
        ))
        .unwrap()
    };
    let font_of = |settings: &LetterSettings| BodyFont::of_settings(settings.font.as_ref());
    // Missing, and not a font: both name the file.
    let missing = dir.path().join("нет_такого.ttf");
    let err = font_of(&settings(&missing, None)).unwrap_err();
    assert!(matches!(err, FontError::Read { .. }), "{err}");
    assert!(err.to_string().contains("нет_такого.ttf"), "{err}");
    let text = dir.path().join("бланк.ttf");
    std::fs::write(&text, "это не шрифт").unwrap();
    let err = font_of(&settings(&text, None)).unwrap_err();
    assert!(matches!(err, FontError::NotAFont { .. }), "{err}");
    assert!(err.to_string().contains("бланк.ttf"), "{err}");
    // Without [font], the lookup as before.
    let default = BodyFont::of_settings(None).unwrap();
    assert_ne!(default.family, "Liberation Sans");
    if !std::path::Path::new(sans).exists() {
        eprintln!("{sans} is not installed (Debian: fonts-liberation2): only the errors checked");
        return;
    }
    let regular = dir.path().join("шрифт_ведомства.ttf");
    let bold = dir.path().join("шрифт_ведомства_ж.otf");
    std::fs::copy(sans, &regular).unwrap();
    std::fs::copy(sans_bold, &bold).unwrap();
    let font = font_of(&settings(&regular, Some(&bold))).unwrap();
    assert_eq!(
        (font.family.as_str(), font.files.len()),
        ("Liberation Sans", 2)
    );
    // A bold of another family would never be used for this one's bold.
    let other = dir.path().join("другой.ttf");
    std::fs::copy(serif_bold, &other).unwrap();
    let err = font_of(&settings(&regular, Some(&other))).unwrap_err();
    assert!(matches!(err, FontError::OtherFamily { .. }), "{err}");
    assert!(err.to_string().contains("другой.ttf"), "{err}");

    let details = report(Level::School);
    let notices = build_notices(
        &details,
        &LetterSettings::default(),
        "01-12/7",
        date(2023, 10, 12),
        date(2023, 10, 20),
        None,
        DEFAULT_NOTICE_TEMPLATE,
    )
    .unwrap();
    let bytes = write_in(&[&notices[0].paper], &font).unwrap();
    let (Some(fonts), Some(info)) = (poppler("pdffonts", &bytes), poppler("pdfinfo", &bytes))
    else {
        eprintln!("pdffonts is not installed (Debian: poppler-utils): fonts not checked");
        return;
    };
    assert!(info.contains("шрифт: Liberation Sans"), "{info}");
    // The title is bold: both files are in the PDF.
    assert!(fonts.contains("LiberationSans-Bold"), "{fonts}");
    assert!(
        fonts
            .lines()
            .skip(2)
            .filter_map(|line| line.split_whitespace().next())
            .all(|face| face.contains("LiberationSans")),
        "{fonts}"
    );
}

#[test]
fn a_template_may_name_who_neither_met_the_target_nor_replied() {
    let overall = report(Level::Region);
    let details = report(Level::School);
    let repeated = |unanswered: Vec<String>| Repeated {
        number: "01-12/3".into(),
        date: date(2023, 9, 12),
        names: vec!["МКОУ «Агачаульская СОШ»".into(), "МБОУ «СОШ №1»".into()],
        unanswered,
    };
    let text = |repeated: Vec<Repeated>| {
        let letter = build_letter(
            &LetterInput {
                repeated,
                ..input(&LetterSettings::default(), &overall, &details)
            },
            "Срок – {{срок}}.\n\n{{без_ответа}}",
        )
        .unwrap();
        letter.paper.blocks.texts().join("\n")
    };
    let all = text(vec![repeated(vec!["МКОУ «Агачаульская СОШ»".into()])]);
    assert!(
        all.contains(
            "Не выполнили требования письма от 12.09.2023 № 01-12/3 и не дали ответа на \
             уведомление: МКОУ «Агачаульская СОШ»."
        ),
        "{all}"
    );
    // Everyone who failed replied: the placeholder says nothing.
    let all = text(vec![repeated(vec![])]);
    assert!(!all.contains("не дали ответа"), "{all}");
}

/// `report` with a change since 01.09.2023 and an event of the region on 15.09.2023.
fn report_with_event(level: Level) -> Report {
    let mut report = report(level);
    for platform in &mut report.platforms {
        platform.previous = Some(date(2023, 9, 1));
    }
    for row in &mut report.rows {
        for indicators in row.platforms.iter_mut().flatten() {
            indicators.get_mut(Role::Teachers).delta_pp = Some(12.5);
        }
    }
    report.events.push(tsos_domain::Event {
        date: date(2023, 9, 15),
        scope: tsos_domain::EventScope::Region {
            region: tsos_domain::fixtures::REGION.into(),
        },
        platform: Some("myschool".into()),
        text: tsos_domain::EventText::new("Переход на региональный узел «Моя школа»").unwrap(),
    });
    report
}

fn letter_text(overall: &Report, details: &Report, template: &str) -> Vec<String> {
    let settings = LetterSettings::default();
    build_letter(&input(&settings, overall, details), template)
        .unwrap()
        .paper
        .blocks
        .texts()
}

#[test]
fn a_change_that_spans_an_event_names_it_in_the_letter_and_the_notice() {
    let sentence = "Изменения показателей с прошлого среза охватывают событие: 15.09.2023 — регион «Республика Дагестан», ФГИС «Моя школа»: Переход на региональный узел «Моя школа». Скачок показателя в этот период может объясняться им, а не работой организаций.";
    let with = letter_text(
        &report_with_event(Level::Region),
        &report_with_event(Level::School),
        DEFAULT_TEMPLATE,
    );
    assert!(with.iter().any(|p| p == sentence), "{with:#?}");
    // Without events the built-in template reads as it did before it had «{{события}}».
    let before = DEFAULT_TEMPLATE.replace("{{события}}\n", "");
    assert_ne!(before, DEFAULT_TEMPLATE);
    let (overall, details) = (report(Level::Region), report(Level::School));
    assert_eq!(
        letter_text(&overall, &details, DEFAULT_TEMPLATE),
        letter_text(&overall, &details, &before)
    );

    let notices = build_notices(
        &report_with_event(Level::School),
        &LetterSettings::default(),
        "01-12/7",
        date(2023, 10, 12),
        date(2023, 10, 20),
        None,
        DEFAULT_NOTICE_TEMPLATE,
    )
    .unwrap();
    let agachaul = notices
        .iter()
        .find(|n| n.school_id == "0500000002")
        .unwrap();
    let text: Vec<String> = agachaul.paper.blocks.texts();
    assert!(
        text.iter().any(|t| t.contains("изменение с прошлого среза: +12,5 п.п. (в этот период: 15.09.2023 — регион «Республика Дагестан», ФГИС «Моя школа»: Переход на региональный узел «Моя школа»)")),
        "{text:#?}"
    );
}

/// Two schools, one with teachers below target, the other with every teacher active and a
/// chat left in WhatsApp: both openings of a notice.
fn notices_of(template: &str) -> Result<Vec<tsos_letter::Notice>, TemplateError> {
    let schools = vec![
        school("0500000001", "МБОУ «СОШ №1»", 60, 600),
        school("0500000002", "МКОУ «Агачаульская СОШ»", 40, 400),
    ];
    let mut counts = per_user_counts();
    for (id, active) in [("0500000001", 60), ("0500000002", 21)] {
        let figures = RoleCounts {
            registered: Some(active),
            confirmed: Some(active),
            active: Some(active),
            leaving: None,
        };
        put(&mut counts, id, Role::Teachers, figures);
    }
    let details = ReportFixture::new(date(2023, 10, 1), schools)
        .platform(Some(counts))
        .build(Level::School);
    let chats = [parents_chat("0500000001", "5А — родители", "whatsapp")];
    build_notices(
        &details,
        &LetterSettings::default(),
        "01-12/7",
        date(2023, 10, 12),
        date(2023, 10, 20),
        Some(ChatRegister {
            states: &chats,
            closings: &[],
        }),
        template,
    )
}

/// The built-in notice reads as it did before it became a template: the blocks below are
/// what the code that wrote it then gave (captured from that code, the kind of each block
/// too), and its DOCX and PDF are the very bytes written from them.
#[test]
fn the_built_in_notice_reads_exactly_as_before_it_was_a_template() {
    use Block::{Item, Paragraph};
    let request = "Просим принять меры по устранению отставания и обеспечить достижение целевых значений в срок до 20.10.2023. Мониторинг проводится ежемесячно; результаты будут проверены по следующему срезу.";
    let before: [Vec<Block>; 2] = [
        vec![
            Paragraph("По данным реестра официальных чатов на 01.10.2023 у МБОУ «СОШ №1» остаются служебные чаты в иностранных мессенджерах, что запрещено Федеральным законом от 27.07.2006 № 149-ФЗ:".into()),
            Item("Служебные чаты в иностранных мессенджерах (1): «5А — родители» (WhatsApp); их нужно перевести в ИКОП «Сферум» или MAX.".into()),
            Paragraph(request.into()),
        ],
        vec![
            Paragraph("По данным мониторинга использования ФГИС «Моя школа» на 01.10.2023 показатели МКОУ «Агачаульская СОШ» ниже целевых значений:".into()),
            Item("ФГИС «Моя школа», педагоги: 52,5 % (21 из 40) при целевом значении 100,0 %; не хватает активных пользователей: 19; место в муниципалитете: 2 из 2.".into()),
            Paragraph(request.into()),
        ],
    ];
    let notices = notices_of(DEFAULT_NOTICE_TEMPLATE).unwrap();
    assert_eq!(notices.len(), 2);
    let text = |blocks: &[Block]| -> Vec<String> {
        blocks
            .iter()
            .map(|b| match b {
                Paragraph(t) | Item(t) => t.clone(),
            })
            .collect()
    };
    for (notice, blocks) in notices.iter().zip(before) {
        assert_eq!(
            text(&notice.paper.blocks),
            text(&blocks),
            "{}",
            notice.school_id
        );
        let old = tsos_letter::Paper {
            blocks,
            ..notice.paper.clone()
        };
        assert_eq!(
            document_xml(&tsos_letter::docx::write(&[&notice.paper]).unwrap()),
            document_xml(&tsos_letter::docx::write(&[&old]).unwrap()),
            "{}: the DOCX",
            notice.school_id
        );
        let font = tsos_letter::pdf::BodyFont::embedded();
        assert_eq!(
            tsos_letter::pdf::write_in(&[&notice.paper], &font).unwrap(),
            tsos_letter::pdf::write_in(&[&old], &font).unwrap(),
            "{}: the PDF",
            notice.school_id
        );
    }
}

/// The same for notices with two indicators each, the users leaving the window, and chats:
/// each notice's text as the code before the template gave it.
#[test]
fn the_built_in_notice_with_every_part_reads_as_before() {
    let chats = [
        parents_chat("0500000001", "5А — родители", "whatsapp"),
        parents_chat("0500000002", "Педагоги", "telegram"),
        parents_chat("0500000002", "6Б", "viber"),
    ];
    let notices = build_notices(
        &report(Level::School),
        &LetterSettings::default(),
        "01-12/7",
        date(2023, 10, 12),
        date(2023, 10, 20),
        Some(ChatRegister {
            states: &chats,
            closings: &[],
        }),
        DEFAULT_NOTICE_TEMPLATE,
    )
    .unwrap();
    let request = "Просим принять меры по устранению отставания и обеспечить достижение целевых значений в срок до 20.10.2023. Мониторинг проводится ежемесячно; результаты будут проверены по следующему срезу.";
    let before = [
        vec![
            "По данным мониторинга использования ФГИС «Моя школа» на 01.10.2023 показатели МБОУ «СОШ №1» ниже целевых значений:",
            "ФГИС «Моя школа», обучающиеся: 0,0 % (0 из 600) при целевом значении 20,0 %; не хватает активных пользователей: 120; место в муниципалитете: 1 из 2.",
            "Служебные чаты в иностранных мессенджерах (1): «5А — родители» (WhatsApp); их нужно перевести в ИКОП «Сферум» или MAX.",
            request,
        ],
        vec![
            "По данным мониторинга использования ФГИС «Моя школа» на 01.10.2023 показатели МКОУ «Агачаульская СОШ» ниже целевых значений:",
            "ФГИС «Моя школа», педагоги: 52,5 % (21 из 40) при целевом значении 100,0 %; не хватает активных пользователей: 19; место в муниципалитете: 2 из 2; к 01.11.2023 выйдут из окна активности, если не зайдут: 3.",
            "ФГИС «Моя школа», обучающиеся: 0,0 % (0 из 400) при целевом значении 20,0 %; не хватает активных пользователей: 80; место в муниципалитете: 2 из 2; к 01.11.2023 выйдут из окна активности, если не зайдут: 3.",
            "Служебные чаты в иностранных мессенджерах (2): «Педагоги» (Telegram), «6Б» (Viber); их нужно перевести в ИКОП «Сферум» или MAX.",
            request,
        ],
    ];
    assert_eq!(notices.len(), 2);
    for (notice, lines) in notices.iter().zip(before) {
        let text = notice.paper.blocks.texts();
        assert_eq!(text, lines, "{}", notice.school_id);
    }
}

#[test]
fn an_edited_notice_template_is_used_and_its_typos_are_named_with_their_lines() {
    let edited = "{{#ниже_цели}}\nУважаемый руководитель {{наименование}} (ИНН {{инн}})!\n{{/ниже_цели}}\n\
                  {{#только_чаты}}\nЧаты {{наименование}}:\n{{/только_чаты}}\n\
                  {{#показатели}}\n{{роль}}: {{доля}} из {{цель}}.\n{{/показатели}}\n\
                  {{#чаты}}\n{{список}}\n{{/чаты}}\n\nСрок — {{срок}}, письмо № {{номер_письма}} от {{дата_письма}}.\n";
    let notices = notices_of(edited).unwrap();
    let blocks: Vec<String> = notices[1].paper.blocks.texts();
    assert_eq!(
        blocks,
        [
            "Уважаемый руководитель МКОУ «Агачаульская СОШ» (ИНН 0500000002)!",
            "педагоги: 52,5 % из 100,0 %.",
            "Срок — 20.10.2023, письмо № 01-12/7 от 12.10.2023."
        ]
    );
    // A typo is found even in a list no school fills, and named with its line.
    let err = notices_of("Срок {{срок}}.\n{{#чаты}}{{списки}}{{/чаты}}\n{{школа}}\n").unwrap_err();
    let TemplateError::Unknown { unknown, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        unknown,
        &[("списки".to_string(), 2), ("школа".to_string(), 3)]
    );
    assert!(err.to_string().starts_with("шаблон уведомления: "), "{err}");
    assert!(err.to_string().contains("«{{школа}}» (строка 3)"), "{err}");
    let err = notices_of("{{#показатели}}\n{{показатель}}\n").unwrap_err();
    assert!(
        matches!(err, TemplateError::Syntax { line: 1, .. }),
        "{err:?}"
    );
}

/// A school below its MAX target on staff gets a notice item as for any indicator, and no
/// sentence about users leaving a window: nobody leaves a `connected` rule by date.
#[test]
fn a_notice_names_a_max_indicator_below_target_without_a_forecast() {
    let schools = vec![tsos_domain::fixtures::school(
        "0500000001",
        "МБОУ «СОШ №1»",
        "Буйнакский район",
        &[
            (Role::Teachers, 60),
            (Role::Students, 600),
            (Role::Staff, 10),
        ],
    )];
    let mut counts = per_user_counts();
    put(
        &mut counts,
        "0500000001",
        Role::Staff,
        RoleCounts {
            registered: Some(3),
            confirmed: None,
            active: Some(3),
            leaving: None,
        },
    );
    // The catalogue's order: «Моя школа» and «Сферум» without a snapshot, then MAX.
    let report = ReportFixture::new(date(2025, 11, 10), schools)
        .platform(None)
        .platform(None)
        .platform(Some(counts))
        .target("max.staff", 0.6)
        .build(Level::School);
    let notices = build_notices(
        &report,
        &LetterSettings::default(),
        "01-12/8",
        date(2025, 11, 12),
        date(2025, 11, 28),
        None,
        DEFAULT_NOTICE_TEMPLATE,
    )
    .unwrap();
    assert_eq!(notices.len(), 1);
    let text: String = notices[0].paper.blocks.texts().join("\n");
    assert!(
        text.contains(
            "Мессенджер MAX (Сферум), работники: 30,0 % (3 из 10) при целевом значении 60,0 %; не хватает подключенных пользователей: 3;"
        ),
        "{text}"
    );
    assert!(!text.contains("выйдут из окна"), "{text}");
}

#[test]
fn the_letter_says_the_flows_of_the_area_where_there_are_some() {
    let details = report(Level::School);
    let mut overall = report(Level::Region);
    let teachers = overall.rows[0].platforms[0]
        .as_mut()
        .unwrap()
        .get_mut(Role::Teachers);
    teachers.flows = Some(tsos_domain::Flows {
        new: 12,
        returned: 3,
        retained: 1_500,
        lost: 7,
    });
    let text = letter_text(&overall, &details, DEFAULT_TEMPLATE);
    let sentence = text
        .iter()
        .find(|p| p.starts_with("Пользователи с прошлого месячного среза"))
        .unwrap_or_else(|| panic!("{text:#?}"));
    assert!(
        sentence.contains(
            "ФГИС «Моя школа», педагоги: новые – 12, вернувшиеся – 3, удержанные – 1 500, ушедшие – 7"
        ),
        "{sentence}"
    );
    // Without flows the built-in template reads as it did before it had «{{потоки}}».
    let before = DEFAULT_TEMPLATE.replace("{{потоки}}\n", "");
    assert_ne!(before, DEFAULT_TEMPLATE);
    let overall = report(Level::Region);
    assert_eq!(
        letter_text(&overall, &details, DEFAULT_TEMPLATE),
        letter_text(&overall, &details, &before)
    );
}

/// A chat on a platform the authority closes (`tsos chats closing`) is not domestic in the
/// letter's share, as in the report, and the letter and the school's notice name it with its
/// deadline; before the closing's date it is an ordinary domestic chat.
#[test]
fn chats_on_a_closing_platform_are_named_with_their_deadline() {
    use tsos_domain::chats::PlatformClosing;
    // School 1: one chat in MAX, one left in Сферум of VK; school 2: only MAX.
    let chats = [
        parents_chat("0500000001", "5А — родители", "max"),
        parents_chat("0500000001", "6Б — родители", "sferum_vk"),
        parents_chat("0500000002", "Педагоги", "max"),
    ];
    let closing = |from| [PlatformClosing::new("sferum_vk", from, date(2023, 12, 31)).unwrap()];
    let letter_text = |closings: &[PlatformClosing]| {
        let (overall, details) = (report(Level::Region), report(Level::School));
        let letter = build_letter(
            &LetterInput {
                chats: Some(ChatRegister {
                    states: &chats,
                    closings,
                }),
                ..input(&LetterSettings::default(), &overall, &details)
            },
            DEFAULT_TEMPLATE,
        )
        .unwrap();
        paragraphs(&letter.paper.blocks)
    };
    let closed = letter_text(&closing(date(2023, 10, 1)));
    assert!(
        closed.contains(
            "служебных чатов в иностранных мессенджерах нет; доля чатов на отечественных \
             платформах – 66,7 %. На закрываемых платформах остаются 1 чат (в 1 организации): \
             Сферум (VK Мессенджер) – перенести до 31.12.2023."
        ),
        "{closed}"
    );
    // Before the closing's date the chat in VK is domestic, as it always was.
    let before = letter_text(&closing(date(2023, 11, 1)));
    assert!(
        before.contains("все служебные чаты ведутся на отечественных платформах (100,0 %)"),
        "{before}"
    );
    assert!(!before.contains("закрываем"), "{before}");

    let closings = closing(date(2023, 10, 1));
    let register = ChatRegister {
        states: &chats,
        closings: &closings,
    };
    let notices_of = |schools: &Report| {
        build_notices(
            schools,
            &LetterSettings::default(),
            "01-12/7",
            date(2023, 10, 12),
            date(2023, 10, 20),
            Some(register),
            DEFAULT_NOTICE_TEMPLATE,
        )
        .unwrap()
    };
    let line = "Служебные чаты на закрываемой платформе (1): «6Б — родители» (Сферум (VK \
                Мессенджер)); их нужно перенести в MAX или на другую отечественную платформу \
                до 31.12.2023.";
    // Below target and with a chat on the closing platform: both said.
    let notices = notices_of(&report(Level::School));
    let first = paragraphs(&notices[0].paper.blocks);
    assert!(first.contains("ниже целевых значений:"), "{first}");
    assert!(first.contains(line), "{first}");
    assert!(!first.contains("иностранных"), "{first}");
    // School 2 has only MAX chats: nothing about chats.
    assert!(!paragraphs(&notices[1].paper.blocks).contains("чат"));

    // Every teacher active and no other target: the notice is about the chat alone.
    let mut counts = per_user_counts();
    let all = RoleCounts {
        registered: Some(60),
        confirmed: Some(60),
        active: Some(60),
        leaving: None,
    };
    put(&mut counts, "0500000001", Role::Teachers, all);
    let green = ReportFixture::new(
        date(2023, 10, 1),
        vec![school("0500000001", "МБОУ «СОШ №1»", 60, 600)],
    )
    .platform(Some(counts))
    .build(Level::School);
    let notices = notices_of(&green);
    assert_eq!(notices.len(), 1);
    let text = paragraphs(&notices[0].paper.blocks);
    assert!(
        text.starts_with(
            "По данным реестра официальных чатов на 01.10.2023 у МБОУ «СОШ №1» остаются \
             служебные чаты на платформе, которую закрывают:"
        ),
        "{text}"
    );
    assert!(text.contains(line), "{text}");
}

fn paragraphs(blocks: &[Block]) -> String {
    blocks.texts().join("\n")
}

/// A letter's or notice's blocks as their texts, a paragraph or an item each.
trait Texts {
    fn texts(&self) -> Vec<String>;
}

impl Texts for [Block] {
    fn texts(&self) -> Vec<String> {
        self.iter()
            .map(|b| match b {
                Block::Paragraph(t) | Block::Item(t) => t.clone(),
            })
            .collect()
    }
}

/// An open parents' chat of a school on the platform of `code`, as of 01.10.2023.
fn parents_chat(org: &str, name: &str, code: &str) -> tsos_domain::chats::ChatState {
    let platform = tsos_domain::chats::chat_platform_by_code(code).unwrap();
    tsos_domain::chats::ChatState {
        org: tsos_domain::OrgId::normalize(org).unwrap(),
        name: name.into(),
        purpose: tsos_domain::chats::Purpose::Parents,
        class_label: None,
        platform: platform.name,
        domestic: platform.domestic,
        members: None,
        active: true,
        confirmed_on: None,
        created_on: None,
        moved_on: None,
        replaces: None,
        as_of: date(2023, 10, 1),
    }
}
