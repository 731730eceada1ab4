//! What the command line prints after an import and for `tsos snapshots`.

use std::fmt::Write;

use tsos_app::import::ImportOutcome;
use tsos_domain::format_date_ru;
use tsos_report::ru;
use tsos_store::{SaveOutcome, SnapshotInfo};

fn kind_ru(kind: &str) -> &'static str {
    match kind {
        "per_user" => "по пользователям",
        "per_school" => "по школам",
        "registry" => "реестр",
        _ => "другое",
    }
}

/// The full summary of one import.
pub fn import(outcome: &ImportOutcome) -> String {
    let import = &outcome.import;
    let stats = &import.stats;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Импорт {}: {} на {} ({})",
        import.file_name,
        outcome.dataset_name,
        format_date_ru(import.as_of),
        if outcome.dataset == tsos_store::REGISTRY {
            kind_ru(tsos_store::REGISTRY)
        } else {
            kind_ru(import.content.kind())
        }
    );
    let _ = writeln!(
        out,
        "  Файл: {}; SHA-256 {}",
        import.format.describe_ru(),
        &import.sha256[..16]
    );
    let columns: Vec<String> = import
        .columns
        .iter()
        .map(|(header, meaning)| format!("«{header}» → {meaning}"))
        .collect();
    let _ = writeln!(out, "  Столбцы: {}", columns.join("; "));
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
    for (reason, n) in &stats.rejected {
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
    let _ = writeln!(out, "  {}", saved(&outcome.saved));
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

fn saved(outcome: &SaveOutcome) -> String {
    match outcome {
        SaveOutcome::Saved {
            id,
            superseded: None,
        } => format!("Сохранено: снимок №{id}."),
        SaveOutcome::Saved {
            id,
            superseded: Some(old),
        } => format!(
            "Сохранено: снимок №{id}; он заменил снимок №{old} на ту же дату (прежний сохранен, вернуть: tsos snapshots restore {old})."
        ),
        SaveOutcome::Unchanged { id } => {
            format!("Этот файл уже импортирован (снимок №{id}): ничего не изменилось.")
        }
    }
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
            kind_ru(&s.kind),
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

pub fn snapshots_json(snapshots: &[SnapshotInfo]) -> String {
    let list: Vec<serde_json::Value> = snapshots
        .iter()
        .map(|s| {
            serde_json::json!({
                "id": s.id,
                "dataset": s.dataset,
                "as_of": s.as_of.to_string(),
                "kind": s.kind,
                "file_name": s.file_name,
                "sha256": s.sha256,
                "imported_at": s.imported_at,
                "current": s.is_current(),
                "superseded_by": s.superseded_by,
                "superseded_at": s.superseded_at,
                "rows_read": s.rows_read,
                "rows_skipped": s.rows_skipped,
                "rows_rejected": s.rows_rejected,
                "skipped": s.skipped,
                "rejected": s.rejected,
                "warnings": s.warnings,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&list).expect("JSON values serialise");
    text.push('\n');
    text
}
