//! Writing the monthly letter (and the notices), registering it, and the follow-up: did the
//! schools a letter named reach their targets by the first snapshot after its deadline?

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use tsos_domain::email::{DeliveryResult, MailKind};
use tsos_domain::followup::{FollowupLine, FollowupOutcome, delivery_of};
use tsos_domain::replies::ReplyState;
use tsos_domain::{Catalogue, Level, Report, Role, format_date_ru};
use tsos_letter::pdf::BodyFont;
use tsos_letter::{
    Addressees, ChatRegister, LetterInput, LetterSettings, Notice, Repeated, build_letter,
    build_notices,
};
use tsos_store::{LetterInfo, NewLetter, Store};

use crate::AppError;
use crate::replies::{reply_states, subject_of};
use crate::report::{build_report, build_reports};

pub struct LetterRequest<'a> {
    pub as_of: Date,
    pub deadline: Date,
    /// The letter's own date.
    pub date: Date,
    pub to: Addressees,
    pub template: &'a str,
    pub settings: &'a LetterSettings,
    pub notices: bool,
    pub out_dir: &'a Path,
}

#[derive(Debug)]
pub struct LetterOutcome {
    pub letter_id: i64,
    pub number: String,
    pub files: Vec<PathBuf>,
    /// Lagging indicators the letter names.
    pub named: usize,
    pub notices: usize,
    pub repeated: Vec<Repeated>,
}

/// Writes the letter (DOCX), the appendix and the notices into `out_dir` and registers the
/// letter with the figures it quoted. Nothing is registered if writing fails.
pub fn write_letter(
    store: &mut Store,
    catalogue: &Catalogue,
    request: &LetterRequest<'_>,
) -> Result<LetterOutcome, AppError> {
    // Every report the letter needs, from one reading of the counts (`Level::ALL` is schools,
    // municipalities, region): the region for the overall shares, the addressees' level for
    // the details, schools for the notices, and all three for the appendix.
    let reports = build_reports(store, catalogue, request.as_of, Level::ALL)?;
    let [schools, municipalities, overall] = &reports;
    let details = match request.to {
        Addressees::Schools => schools,
        Addressees::Municipalities => municipalities,
    };
    let book = store.target_book()?;
    let number = format!(
        "{}{}",
        request.settings.number_prefix,
        store.letter_count()? + 1
    );
    let repeated = repeated(store, catalogue, request.as_of)?;
    let chats = tsos_domain::chats::chats_at(&store.chat_states()?, request.as_of);
    let closings = store.chat_closings()?;
    // Before anything is written: a font or a notice template the settings name but tsos
    // cannot read is an error.
    let font = BodyFont::of_settings(request.settings.font.as_ref())?;
    let notice_template = match request.notices {
        true => {
            let template = notice_template(request.settings)?;
            tsos_letter::content::check_notice_template(&template)?;
            Some(template)
        }
        false => None,
    };
    let letter = build_letter(
        &LetterInput {
            settings: request.settings,
            number: number.clone(),
            date: request.date,
            deadline: request.deadline,
            to: request.to,
            overall,
            details,
            yellow_band_pp: book.yellow_band_pp,
            repeated: repeated.clone(),
            chats: Some(ChatRegister {
                states: &chats,
                closings: &closings,
            }),
        },
        request.template,
    )?;

    std::fs::create_dir_all(request.out_dir).map_err(|e| io(request.out_dir, e))?;
    let stem = format!(
        "Письмо_№{}_от_{}",
        number.replace(['/', '\\'], "-"),
        format_date_ru(request.date)
    );
    let mut files = Vec::new();
    let letter_path = request.out_dir.join(format!("{stem}.docx"));
    let bytes = tsos_letter::docx::write(&[&letter.paper]).map_err(|e| io(&letter_path, e))?;
    std::fs::write(&letter_path, bytes).map_err(|e| io(&letter_path, e))?;
    files.push(letter_path);
    let pdf_path = request.out_dir.join(format!("{stem}.pdf"));
    let bytes =
        tsos_letter::pdf::write_in(&[&letter.paper], &font).map_err(|e| pdf_error(&pdf_path, e))?;
    std::fs::write(&pdf_path, bytes).map_err(|e| io(&pdf_path, e))?;
    files.push(pdf_path);

    let appendix_path = request.out_dir.join(format!(
        "Приложение_к_письму_№{}_от_{}.xlsx",
        number.replace(['/', '\\'], "-"),
        format_date_ru(request.date)
    ));
    let bytes = tsos_report::xlsx::to_bytes(&reports).map_err(|e| AppError::Write {
        path: appendix_path.display().to_string(),
        detail: e.to_string(),
    })?;
    std::fs::write(&appendix_path, bytes).map_err(|e| io(&appendix_path, e))?;
    files.push(appendix_path);

    let mut n_notices = 0;
    if let Some(template) = &notice_template {
        let notices = build_notices(
            schools,
            request.settings,
            &number,
            request.date,
            request.deadline,
            Some(ChatRegister {
                states: &chats,
                closings: &closings,
            }),
            template,
        )?;
        n_notices = notices.len();
        if !notices.is_empty() {
            let dir = notices_dir(request.out_dir, request.date);
            for notice in &notices {
                files.push(write_notice(&dir, notice, NoticeFormat::Docx)?.0);
            }
            // All notices in one PDF too, to print or send in one go.
            let path = request
                .out_dir
                .join(format!("Уведомления_{}.pdf", format_date_ru(request.date)));
            let papers: Vec<&tsos_letter::Paper> = notices.iter().map(|n| &n.paper).collect();
            let bytes =
                tsos_letter::pdf::write_in(&papers, &font).map_err(|e| pdf_error(&path, e))?;
            std::fs::write(&path, bytes).map_err(|e| io(&path, e))?;
            files.push(path);
        }
    }

    let letter_id = store.save_letter(&NewLetter {
        number: number.clone(),
        date: request.date,
        as_of: request.as_of,
        deadline: request.deadline,
        addressees: match request.to {
            Addressees::Schools => "schools".into(),
            Addressees::Municipalities => "municipalities".into(),
        },
        files: files.iter().map(|p| p.display().to_string()).collect(),
        items: letter.named.clone(),
    })?;
    tracing::info!(
        letter = letter_id,
        number = %number,
        as_of = %request.as_of,
        files = files.len(),
        named = letter.named.len(),
        notices = n_notices,
        "письмо"
    );
    Ok(LetterOutcome {
        letter_id,
        number,
        files,
        named: letter.named.len(),
        notices: n_notices,
        repeated,
    })
}

#[derive(Clone, Debug, PartialEq)]
pub struct Followup {
    pub letter: LetterInfo,
    pub lines: Vec<FollowupLine>,
}

/// The follow-up of letter `id` (the latest one without it).
pub fn followup(
    store: &Store,
    catalogue: &Catalogue,
    id: Option<i64>,
) -> Result<Followup, AppError> {
    let letters = store.letters()?;
    let letter = match id {
        Some(id) => letters
            .into_iter()
            .find(|l| l.id == id)
            .ok_or(AppError::NoLetter(Some(id)))?,
        None => letters.into_iter().last().ok_or(AppError::NoLetter(None))?,
    };
    followup_of(store, catalogue, letter, &mut BTreeMap::new())
}

/// The follow-up of `letter`, with the reports after deadlines kept in `reports` for the
/// next letter's follow-up.
fn followup_of(
    store: &Store,
    catalogue: &Catalogue,
    letter: LetterInfo,
    reports: &mut BTreeMap<(Date, &'static str), Report>,
) -> Result<Followup, AppError> {
    let items = store.letter_items(letter.id)?;
    let level = if letter.addressees == "municipalities" {
        Level::Municipality
    } else {
        Level::School
    };
    // The first snapshot on or after the deadline, per platform.
    let mut after_by_platform: BTreeMap<String, Option<Date>> = BTreeMap::new();
    let dates = store.platform_dates()?;
    for platform in catalogue.iter() {
        let mut first = None;
        for date in dates.iter().filter(|d| **d >= letter.deadline) {
            if store.current_at(&platform.code, *date)?.is_some() {
                first = Some(*date);
                break;
            }
        }
        after_by_platform.insert(platform.code.clone(), first);
    }
    let mut attempts: HashMap<String, Vec<DeliveryResult>> = HashMap::new();
    for delivery in store.deliveries(letter.id)? {
        if delivery.kind != MailKind::Notice {
            continue;
        }
        attempts
            .entry(delivery.org.as_str().to_string())
            .or_default()
            .push(delivery.result);
    }
    let replies = reply_states(store, letter.id)?;
    let mut lines = Vec::new();
    for item in items {
        let delivery = delivery_of(attempts.get(&item.org_id).map_or(&[][..], Vec::as_slice));
        let (reply, expected_by) = match replies.get(&subject_of(letter.id, &item)) {
            Some((state, by)) => (*state, Some(*by)),
            None => (ReplyState::NoReply, None),
        };
        let Some(date) = after_by_platform.get(&item.platform).copied().flatten() else {
            lines.push(FollowupLine {
                item,
                after: None,
                outcome: FollowupOutcome::NoDataYet,
                delivery,
                reply,
                expected_by,
            });
            continue;
        };
        let report = match reports.entry((date, level.code())) {
            std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::btree_map::Entry::Vacant(entry) => {
                entry.insert(build_report(store, catalogue, date, level)?)
            }
        };
        let share_now = share_in(report, &item.org_id, &item.platform, item.role);
        let outcome = FollowupOutcome::of(share_now, item.target);
        lines.push(FollowupLine {
            item,
            after: Some((date, share_now)),
            outcome,
            delivery,
            reply,
            expected_by,
        });
    }
    Ok(Followup { letter, lines })
}

/// Organisations named by earlier letters whose deadline has passed by `as_of` and that are
/// still below the target they were given, for the next letter to say so.
fn repeated(store: &Store, catalogue: &Catalogue, as_of: Date) -> Result<Vec<Repeated>, AppError> {
    let mut out = Vec::new();
    let mut reports = BTreeMap::new();
    for letter in store.letters()? {
        if letter.deadline > as_of {
            continue;
        }
        let followup = followup_of(store, catalogue, letter, &mut reports)?;
        // A school below target on several indicators is named once.
        let mut named = HashSet::new();
        let names: Vec<String> = followup
            .lines
            .iter()
            .filter(|line| line.outcome == FollowupOutcome::NotMet)
            .filter(|line| named.insert(line.item.org_id.as_str()))
            .map(|line| line.item.name.clone())
            .collect();
        // Of those, the schools that did not reply about any indicator they failed.
        let mut replied = HashSet::new();
        for line in &followup.lines {
            if line.outcome == FollowupOutcome::NotMet && line.reply != ReplyState::NoReply {
                replied.insert(line.item.org_id.as_str());
            }
        }
        let mut unanswered_named = HashSet::new();
        let unanswered: Vec<String> = followup
            .lines
            .iter()
            .filter(|line| line.outcome == FollowupOutcome::NotMet)
            .filter(|line| !replied.contains(line.item.org_id.as_str()))
            .filter(|line| unanswered_named.insert(line.item.org_id.as_str()))
            .map(|line| line.item.name.clone())
            .collect();
        if !names.is_empty() {
            out.push(Repeated {
                number: followup.letter.number.clone(),
                date: followup.letter.date,
                names,
                unanswered,
            });
        }
    }
    Ok(out)
}

fn share_in(report: &Report, id: &str, platform: &str, role: Role) -> Option<f64> {
    let idx = report
        .platforms
        .iter()
        .position(|p| p.platform.code == platform)?;
    let row = report.rows.iter().find(|row| row.id == id)?;
    row.platforms[idx].as_ref()?.get(role).share
}

/// The folder of a letter's notices: `Уведомления_ДД.ММ.ГГГГ` beside the letter.
pub(crate) fn notices_dir(out_dir: &Path, letter_date: Date) -> PathBuf {
    out_dir.join(format!("Уведомления_{}", format_date_ru(letter_date)))
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum NoticeFormat<'a> {
    Docx,
    Pdf(&'a BodyFont),
}

/// Writes one school's notice as `DIR/ИНН.docx` or `.pdf`, creating the folder: the path and
/// the bytes written.
pub(crate) fn write_notice(
    dir: &Path,
    notice: &Notice,
    format: NoticeFormat<'_>,
) -> Result<(PathBuf, Vec<u8>), AppError> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let (path, bytes) = match format {
        NoticeFormat::Docx => {
            let path = dir.join(format!("{}.docx", notice.school_id));
            let bytes = tsos_letter::docx::write(&[&notice.paper]).map_err(|e| io(&path, e))?;
            (path, bytes)
        }
        NoticeFormat::Pdf(font) => {
            let path = dir.join(format!("{}.pdf", notice.school_id));
            let bytes = tsos_letter::pdf::write_in(&[&notice.paper], font)
                .map_err(|e| pdf_error(&path, e))?;
            (path, bytes)
        }
    };
    std::fs::write(&path, &bytes).map_err(|e| io(&path, e))?;
    Ok((path, bytes))
}

/// The wording of the notices: the file the settings name, else the built-in one.
fn notice_template(settings: &LetterSettings) -> Result<String, AppError> {
    match &settings.notice_template {
        Some(path) => std::fs::read_to_string(path).map_err(|err| AppError::NoticeTemplate {
            path: path.display().to_string(),
            detail: err.to_string(),
        }),
        None => Ok(tsos_letter::DEFAULT_NOTICE_TEMPLATE.to_string()),
    }
}

/// The notices of a letter as `tsos letter --notices` wrote them: one per school below
/// target at the letter's date, with the letter's number, date and deadline.
pub(crate) fn notices_of(
    store: &Store,
    catalogue: &Catalogue,
    settings: &LetterSettings,
    letter: &LetterInfo,
) -> Result<Vec<Notice>, AppError> {
    let [schools] = build_reports(store, catalogue, letter.as_of, [Level::School])?;
    let chats = tsos_domain::chats::chats_at(&store.chat_states()?, letter.as_of);
    let closings = store.chat_closings()?;
    Ok(build_notices(
        &schools,
        settings,
        &letter.number,
        letter.date,
        letter.deadline,
        Some(ChatRegister {
            states: &chats,
            closings: &closings,
        }),
        &notice_template(settings)?,
    )?)
}

fn pdf_error(path: &Path, err: tsos_letter::pdf::PdfError) -> AppError {
    AppError::Write {
        path: path.display().to_string(),
        detail: err.to_string(),
    }
}

fn io(path: &Path, err: std::io::Error) -> AppError {
    AppError::Write {
        path: path.display().to_string(),
        detail: err.to_string(),
    }
}
