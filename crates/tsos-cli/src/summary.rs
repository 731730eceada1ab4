//! What the command line prints on the terminal: the summary of an import, the lists of
//! snapshots, profiles, targets and letters, and the tables of `lagging`, `quality`,
//! `at-risk` and `followup`. Files are written by `tsos-report`.

use std::fmt::Write;

use tsos_app::at_risk::AtRiskList;
use tsos_app::import::{ImportOutcome, ProfileUse, Replacement};
use tsos_app::letters::{Followup, LetterOutcome};
use tsos_app::quality::QualityReport;
use tsos_domain::followup::FollowupOutcome;
use tsos_domain::indicators::{Cutoff, Lagging};
use tsos_domain::{Catalogue, Finding, Report, Role, TargetBook, format_date_ru};
use tsos_report::{labels, ru};
use tsos_store::{ApiToken, LayoutProfile, LetterInfo, SaveOutcome, SnapshotInfo, StoredTarget};
use tsos_web::TokenState;

/// The full summary of one import.
pub fn import(outcome: &ImportOutcome, catalogue: &Catalogue) -> String {
    let import = &outcome.import;
    let stats = &import.stats;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Импорт {}: {} на {} ({})",
        import.file_name,
        outcome.dataset_name,
        format_date_ru(import.as_of),
        outcome.kind.title_ru()
    );
    let _ = writeln!(
        out,
        "  Файл: {}; SHA-256 {}{}",
        import.format.describe_ru(),
        &import.sha256[..16],
        if import.fast_path {
            "; прочитан быстрым путем, на всех ядрах"
        } else {
            ""
        }
    );
    let columns: Vec<String> = import
        .columns
        .iter()
        .map(|(header, meaning)| format!("«{header}» → {meaning}"))
        .collect();
    let _ = writeln!(out, "  Столбцы: {}", columns.join("; "));
    match outcome.profile {
        Some(ProfileUse::Applied(id)) => {
            let _ = writeln!(
                out,
                "  Разметка столбцов: по сохраненному профилю №{id} для этого заголовка (tsos profiles)"
            );
        }
        Some(ProfileUse::Saved(id)) => {
            let _ = writeln!(
                out,
                "  Разметка столбцов сохранена как профиль №{id}: следующие файлы с таким заголовком прочитаются так же (tsos profiles)"
            );
        }
        None => {}
    }
    let _ = writeln!(
        out,
        "  Строк: прочитано {}, принято {}, пропущено {} (заголовки {}, пустые {}, итоги {}), отклонено {}",
        ru::integer(stats.read),
        ru::integer(stats.accepted),
        ru::integer(stats.skipped()),
        stats.title,
        stats.blank,
        stats.totals,
        ru::integer(stats.rejected_total())
    );
    for (reason, n) in &stats.rejected_by_title() {
        let _ = writeln!(out, "    отклонено «{reason}»: {}", ru::integer(*n));
    }
    for example in import.rejected_examples.iter().take(5) {
        let _ = writeln!(out, "    например: {example}");
    }
    let mut figures = format!("  Школ в файле: {}", ru::integer(outcome.n_schools as u64));
    if let Some(users) = outcome.n_users {
        let _ = write!(figures, "; пользователей: {}", ru::integer(users));
    }
    if !outcome.unknown.ids.is_empty() {
        let _ = write!(
            figures,
            "; организаций не из реестра: {} ({} польз.)",
            outcome.unknown.ids.len(),
            ru::integer(outcome.unknown.users)
        );
    }
    let _ = writeln!(out, "{figures}");
    if !outcome.warnings.is_empty() {
        let _ = writeln!(out, "  Предупреждения:");
        for warning in &outcome.warnings {
            let _ = writeln!(out, "    - {warning}");
        }
    }
    if !outcome.findings.is_empty() {
        let _ = writeln!(out, "  Замечания к качеству данных (tsos quality):");
        for finding in &outcome.findings {
            out.push_str("  ");
            out.push_str(&finding_line(finding, catalogue));
        }
    }
    let _ = writeln!(
        out,
        "  {}",
        saved(&outcome.saved, outcome.replaced.as_ref())
    );
    out
}

/// One line per file, for the demo.
pub fn import_line(outcome: &ImportOutcome, description: &str) -> String {
    let import = &outcome.import;
    let mut line = format!(
        "{} — {}: {} на {}, строк {}",
        import.file_name,
        description,
        outcome.dataset_name,
        format_date_ru(import.as_of),
        ru::integer(import.stats.accepted)
    );
    if import.stats.skipped() > 0 {
        let _ = write!(line, ", пропущено {}", import.stats.skipped());
    }
    if let Some(users) = outcome.n_users {
        let _ = write!(line, ", пользователей {}", ru::integer(users));
    }
    line
}

fn saved(outcome: &SaveOutcome, replaced: Option<&Replacement>) -> String {
    // A replacement held back for shrinking never gets here; one let through by --replace
    // says what it let through.
    let shrunk = replaced
        .filter(|r| !r.shrinks.is_empty())
        .map(|r| format!(" Заменен по --replace, хотя {}.", r.describe_shrinks()))
        .unwrap_or_default();
    match outcome {
        SaveOutcome::Saved {
            id,
            superseded: None,
        } => format!("Сохранено: снимок №{id}."),
        SaveOutcome::Saved {
            id,
            superseded: Some(old),
        } => format!(
            "Сохранено: снимок №{id}; он заменил снимок №{old} на ту же дату (прежний сохранен, вернуть: tsos snapshots restore {old}).{shrunk}"
        ),
        SaveOutcome::Unchanged { id } => {
            format!("Этот файл уже импортирован (снимок №{id}): ничего не изменилось.")
        }
    }
}

/// `tsos profiles`: the saved layouts, a header and its meanings each.
pub fn profiles(profiles: &[LayoutProfile]) -> String {
    if profiles.is_empty() {
        return "Сохраненных разметок нет: они появляются после импорта с --map \"ЗАГОЛОВОК=СМЫСЛ\".\n".into();
    }
    let mut out = String::new();
    for profile in profiles {
        let _ = writeln!(
            out,
            "№{} ({}, из файла {}, сохранен {}{})",
            profile.id,
            profile.dataset,
            profile.file_name,
            short_time(&profile.saved_at),
            profile
                .used_at
                .as_deref()
                .map(|at| format!(", применен {}", short_time(at)))
                .unwrap_or_default()
        );
        let _ = writeln!(out, "  заголовок: {}", profile.header_key);
        for (header, meaning) in &profile.mapping {
            let _ = writeln!(out, "  «{header}» = {meaning}");
        }
    }
    out.push_str("Удалить: tsos profiles remove НОМЕР.\n");
    out
}

/// «2026-12-05T09:30:00Z» → «05.12.2026 09:30» (UTC, as stored).
fn short_time(stamp: &str) -> String {
    match stamp.parse::<jiff::Timestamp>() {
        Ok(ts) => ts.strftime("%d.%m.%Y %H:%M").to_string(),
        Err(_) => stamp.to_string(),
    }
}

/// `tsos token list`: the tokens without the tokens themselves.
pub fn tokens_table(tokens: &[ApiToken]) -> String {
    if tokens.is_empty() {
        return "API-токенов нет: tsos token add --user ЛОГИН --name \"BI\" --expires 90d.\n"
            .into();
    }
    let now = jiff::Timestamp::now().as_second();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>4}  {:<16} {:<20} {:<14} {:<10}  {:<16} {:<10}  Состояние",
        "№", "Учетная запись", "Название", "Начало", "Создан", "Срок", "Запрос"
    );
    for token in tokens {
        let _ = writeln!(
            out,
            "{:>4}  {:<16} {:<20} {:<14} {:<10}  {:<16} {:<10}  {}",
            token.id,
            token.login,
            token.name,
            format!("{}…", token.hint),
            tsos_web::date_ru(token.created_at),
            tsos_web::expiry_ru(token),
            tsos_web::used_ru(token),
            TokenState::of(token, now).title_ru()
        );
    }
    out
}

pub fn snapshots_table(snapshots: &[SnapshotInfo]) -> String {
    if snapshots.is_empty() {
        return "Снимков нет: импортируйте реестр и выгрузки (tsos import …) или запустите tsos demo.\n".into();
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>4}  {:<9} {:<10}  {:<16}  {:>9} {:>9} {:>9}  {:<12}  {:<16}  Файл",
        "№", "Набор", "Дата", "Вид", "Прочит.", "Пропущ.", "Отклон.", "Статус", "SHA-256"
    );
    for s in snapshots {
        let status = match s.superseded_by {
            None => "действующий".to_string(),
            Some(by) => format!("заменен №{by}"),
        };
        let _ = writeln!(
            out,
            "{:>4}  {:<9} {:<10}  {:<16}  {:>9} {:>9} {:>9}  {:<12}  {:<16}  {}{}",
            s.id,
            s.dataset,
            format_date_ru(s.as_of),
            s.kind.title_ru(),
            ru::integer(s.rows_read),
            ru::integer(s.rows_skipped),
            ru::integer(s.rows_rejected),
            status,
            &s.sha256[..s.sha256.len().min(16)],
            s.file_name,
            if s.warnings.is_empty() {
                String::new()
            } else {
                format!(" (предупреждений: {})", s.warnings.len())
            }
        );
    }
    out
}

/// A target as `tsos targets` shows it; a count's rate also in words, «myschool.count.lessons.per_teacher
/// (Моя школа: уроков проведено на 1 педагога) = 20 с …».
pub fn targets_table(targets: &[StoredTarget], book: &TargetBook, catalogue: &Catalogue) -> String {
    let mut out = String::new();
    if targets.is_empty() {
        out.push_str(
            "Целей не задано. Задать: tsos targets set myschool.students 30% --from 2023-09-01\n",
        );
    }
    for stored in targets {
        let _ = writeln!(
            out,
            "{:>4}  {}",
            stored.id,
            labels::target_line(&stored.target, catalogue)
        );
    }
    let _ = writeln!(
        out,
        "Для педагогов без заданной цели действует 100 % (стратегия цифровой трансформации). Полоса допуска «близко к цели»: {} п.п.; для показателей счетчиков — столько же процентов от цели.",
        ru::decimal(book.yellow_band_pp, 1)
    );
    out
}

fn indicator_title(platform: &str, role: Role) -> String {
    format!("{platform}, {}", role.title_ru())
}

pub fn lagging_table(report: &Report, lagging: &[Lagging<'_>], cutoff: Cutoff) -> String {
    let mut out = match cutoff {
        Cutoff::Target => format!(
            "Отстающие ОО на {} (ниже цели более чем на полосу допуска; сначала наименьшая доля)\n",
            format_date_ru(report.as_of)
        ),
        Cutoff::Below(cut) => format!(
            "ОО с долей ниже {} на {} (сначала наименьшая доля)\n",
            ru::percent(Some(cut)),
            format_date_ru(report.as_of)
        ),
    };
    if lagging.is_empty() {
        out.push_str(match cutoff {
            Cutoff::Target => "Нет: все ОО с заданной целью достигли ее или близки к ней.\n",
            Cutoff::Below(_) => "Нет: у всех ОО с известной долей она не ниже порога.\n",
        });
        return out;
    }
    let mut current = String::new();
    for entry in lagging {
        let title = indicator_title(&entry.platform.name, entry.role);
        if title != current {
            let n = lagging
                .iter()
                .filter(|l| l.platform.code == entry.platform.code && l.role == entry.role)
                .count();
            let _ = match cutoff {
                Cutoff::Target => writeln!(
                    out,
                    "\n{title}: цель {}, отстают {n}",
                    ru::percent(entry.indicator.target)
                ),
                Cutoff::Below(_) => writeln!(out, "\n{title}: ниже порога {n}"),
            };
            let _ = writeln!(
                out,
                "  {:<56} {:<28} {:>14} {:>8} {:>10}",
                "ОО (ИНН)", "МО", "доля", "Δ п.п.", "не хватает"
            );
            current = title;
        }
        let school = format!("{} ({})", entry.row.name, entry.row.id);
        let _ = writeln!(
            out,
            "  {:<56} {:<28} {:>14} {:>8} {:>10}",
            ru::truncate(&school, 56),
            ru::truncate(&entry.row.municipality, 28),
            format!(
                "{} ({})",
                ru::percent(entry.indicator.share),
                ru::optional_integer(entry.indicator.active)
            ),
            ru::delta_pp(entry.indicator.delta_pp),
            ru::optional_integer(entry.indicator.gap)
        );
    }
    out
}

pub fn quality_table(quality: &QualityReport, catalogue: &Catalogue) -> String {
    let mut out = format!("Качество данных на {}\n", format_date_ru(quality.as_of));
    if quality.findings.is_empty() {
        out.push_str("Замечаний нет.\n");
        return out;
    }
    for finding in &quality.findings {
        out.push_str(&finding_line(finding, catalogue));
        let shown: Vec<String> = finding
            .orgs
            .iter()
            .take(10)
            .map(|id| match quality.names.get(id) {
                Some(name) => format!("{name} ({id})"),
                None => id.clone(),
            })
            .collect();
        let more = finding.orgs.len().saturating_sub(shown.len());
        let _ = write!(out, "    {}", shown.join("; "));
        if more > 0 {
            let _ = write!(out, "; и еще {more}");
        }
        out.push('\n');
    }
    out
}

/// «ФГИС «Моя школа», педагоги: доля больше 100 % — 3 ОО».
pub fn finding_line(finding: &Finding, catalogue: &Catalogue) -> String {
    let mut place: Vec<String> = Vec::new();
    if let Some(code) = &finding.platform {
        place.push(
            catalogue
                .get(code)
                .map(|p| p.name.clone())
                .unwrap_or_else(|| code.clone()),
        );
    }
    if let Some(role) = finding.role.as_deref().and_then(Role::from_code) {
        place.push(role.title_ru().to_string());
    }
    let place = if place.is_empty() {
        String::new()
    } else {
        format!("{}: ", place.join(", "))
    };
    let [one, few, many] = finding.kind.unit_ru();
    format!(
        "  {place}{} — {} {}\n",
        finding.kind.title_ru(),
        ru::integer(finding.count),
        ru::plural(finding.count, one, few, many)
    )
}

pub fn at_risk_table(list: &AtRiskList) -> String {
    let mut out = format!(
        "{}: кто выпадет из окна активности до {} — ОО {} на {}\n",
        list.platform_name,
        format_date_ru(list.horizon_end),
        list.school,
        format_date_ru(list.as_of)
    );
    if list.users.is_empty() {
        out.push_str("Никто: все активные пользователи заходили достаточно недавно (или школы нет в файле).\n");
        return out;
    }
    let _ = writeln!(
        out,
        "{:<36} {:<14} {:<12} {:<14} {:<14}",
        "ФИО", "ID", "роль", "последний вход", "активен по"
    );
    for user in &list.users {
        let _ = writeln!(
            out,
            "{:<36} {:<14} {:<12} {:<14} {:<14}",
            ru::truncate(user.full_name.as_deref().unwrap_or("—"), 36),
            ru::truncate(user.user_id.as_deref().unwrap_or("—"), 14),
            user.role.singular_ru(),
            format_date_ru(user.last),
            format_date_ru(user.active_until)
        );
    }
    let _ = writeln!(
        out,
        "Всего: {}. Напомните им зайти до последнего дня.",
        list.users.len()
    );
    out
}

pub fn letter(outcome: &LetterOutcome) -> String {
    let mut out = format!(
        "Письмо № {} зарегистрировано в tsos под номером {}: названо показателей ниже цели — {}, уведомлений — {}.\n",
        outcome.number, outcome.letter_id, outcome.named, outcome.notices
    );
    for repeated in &outcome.repeated {
        let _ = writeln!(
            out,
            "  Повторно не выполнили письмо № {} от {}: {}",
            repeated.number,
            format_date_ru(repeated.date),
            repeated.names.join(", ")
        );
    }
    let _ = writeln!(out, "Файлы:");
    for file in &outcome.files {
        let _ = writeln!(out, "  {}", file.display());
    }
    let _ = writeln!(
        out,
        "Контроль исполнения после срока: tsos followup --letter {}",
        outcome.letter_id
    );
    out
}

pub fn letters_table(letters: &[LetterInfo]) -> String {
    if letters.is_empty() {
        return "Писем еще не было: tsos letter --deadline ДАТА\n".into();
    }
    let mut out = String::new();
    for letter in letters {
        let _ = writeln!(
            out,
            "{:>4}  № {:<16} от {}  срез {}  срок {}  {}",
            letter.id,
            letter.number,
            format_date_ru(letter.date),
            format_date_ru(letter.as_of),
            format_date_ru(letter.deadline),
            if letter.addressees == "municipalities" {
                "муниципалитетам"
            } else {
                "школам"
            }
        );
    }
    out
}

pub fn followup_table(followup: &Followup, catalogue: &Catalogue) -> String {
    let letter = &followup.letter;
    let mut out = format!(
        "Контроль исполнения письма № {} от {} (срез {}, срок {})\n",
        letter.number,
        format_date_ru(letter.date),
        format_date_ru(letter.as_of),
        format_date_ru(letter.deadline)
    );
    if followup.lines.is_empty() {
        out.push_str("Письмо не называло показателей ниже цели.\n");
        return out;
    }
    let counts = |outcome| {
        followup
            .lines
            .iter()
            .filter(|l| l.outcome == outcome)
            .count()
    };
    let _ = writeln!(
        out,
        "Выполнено: {}; не выполнено: {}; данных еще нет: {}\n",
        counts(FollowupOutcome::Met),
        counts(FollowupOutcome::NotMet),
        counts(FollowupOutcome::NoDataYet)
    );
    let _ = writeln!(
        out,
        "  {:<50} {:<34} {:>9} {:>9} {:>18}  {:<15} {:<10} {:<10} итог",
        "Организация", "Показатель", "цель", "было", "стало", "уведомление", "ответ", "обещано к"
    );
    for line in &followup.lines {
        let item = &line.item;
        let platform = catalogue
            .get(&item.platform)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| item.platform.clone());
        let after = match line.after {
            Some((date, share)) => format!("{} ({})", ru::percent(share), format_date_ru(date)),
            None => "—".into(),
        };
        let _ = writeln!(
            out,
            "  {:<50} {:<34} {:>9} {:>9} {:>18}  {:<15} {:<10} {:<10} {}",
            ru::truncate(&format!("{} ({})", item.name, item.org_id), 50),
            ru::truncate(&format!("{platform}, {}", item.role.title_ru()), 34),
            ru::percent(item.target),
            ru::percent(item.share),
            after,
            line.delivery.map_or("не отправлялось", |d| d.title_ru()),
            line.reply.title_ru(),
            line.expected_by
                .map(format_date_ru)
                .unwrap_or_else(|| "—".into()),
            line.outcome.title_ru()
        );
    }
    out
}

pub fn chats_import(outcome: &tsos_app::chats::ChatsOutcome) -> String {
    let import = &outcome.import;
    let foreign = import.rows.iter().filter(|r| !r.platform.domestic).count();
    let mut schools: Vec<&tsos_domain::OrgId> = import.classes.iter().map(|c| &c.org).collect();
    schools.sort();
    schools.dedup();
    let classes = format!("классов {} в {} ОО", import.classes.len(), schools.len());
    let (what, figures) = match (import.rows.is_empty(), import.classes.is_empty()) {
        (true, _) => ("списка классов", classes),
        (false, empty) => (
            "реестра чатов",
            format!(
                "чатов {}, из них в иностранных мессенджерах {}{}",
                import.rows.len(),
                foreign,
                if empty {
                    String::new()
                } else {
                    format!("; {classes}")
                }
            ),
        ),
    };
    let mut out = format!(
        "Импорт {what} {} на {}: {figures}; строк прочитано {}, пропущено {}\n",
        import.file_name,
        format_date_ru(import.as_of),
        import.stats.read,
        import.stats.skipped()
    );
    if !outcome.unknown.is_empty() {
        let _ = writeln!(
            out,
            "  Предупреждение: организаций нет в реестре: {}",
            outcome.unknown.join(", ")
        );
    }
    for note in &outcome.notes {
        let _ = writeln!(out, "  Предупреждение: {note}");
    }
    let _ = writeln!(out, "  {}", saved(&outcome.saved, None));
    out
}

/// An event, with its platform's name from the catalogue.
pub fn event_line(event: &tsos_domain::Event, catalogue: &Catalogue) -> String {
    let platform = event
        .platform
        .as_deref()
        .map(|code| catalogue.get(code).map_or(code, |p| p.name.as_str()));
    tsos_report::labels::event_line(event, platform)
}

pub fn events_table(events: &[tsos_store::StoredEvent], catalogue: &Catalogue) -> String {
    if events.is_empty() {
        return "Событий нет. Добавить: tsos events add --date ДАТА --scope region \"ТЕКСТ\"; \
                федеральные события: tsos events suggest\n"
            .to_string();
    }
    let mut out = String::new();
    for stored in events {
        let _ = writeln!(
            out,
            "{:>4}  {}",
            stored.id,
            event_line(&stored.event, catalogue)
        );
    }
    out
}

/// The built-in suggestions, numbered for `tsos events add --suggested N`.
pub fn suggestions_table() -> String {
    let mut out =
        String::from("Федеральные события, которые можно отметить (сами не добавляются):\n");
    for (idx, suggestion) in tsos_domain::events::SUGGESTIONS.iter().enumerate() {
        let _ = writeln!(
            out,
            "{:>4}  {}, {}: {}\n      источник: {}",
            idx + 1,
            format_date_ru(suggestion.date),
            suggestion.platform,
            suggestion.text,
            suggestion.source
        );
    }
    out.push_str(
        "Добавить как событие региона: tsos events add --suggested N [--scope region РЕГИОН]\n",
    );
    out
}
