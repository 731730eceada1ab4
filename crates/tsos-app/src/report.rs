//! Assembling the report of a date from stored snapshots (SPEC §6).

use jiff::civil::Date;
use tsos_domain::flows::FlowsAbsence;
use tsos_domain::indicators::{PreviousRows, apply_delta, apply_ranks, apply_targets, compute};
use tsos_domain::{
    Catalogue, Event, Level, Platform, PlatformCounts, Report, ReportPlatform, format_date_ru,
};
use tsos_store::Store;

use crate::AppError;

/// The report at `as_of` for `level`: every registry school, each platform's current
/// snapshot at exactly that date, and the change since each platform's previous snapshot.
pub fn build_report(
    store: &Store,
    catalogue: &Catalogue,
    as_of: Date,
    level: Level,
) -> Result<Report, AppError> {
    let [report] = build_reports(store, catalogue, as_of, [level])?;
    Ok(report)
}

/// The reports of every level at `as_of`, schools first: the appendix of a letter.
pub fn build_all_levels(
    store: &Store,
    catalogue: &Catalogue,
    as_of: Date,
) -> Result<Vec<Report>, AppError> {
    Ok(Vec::from(build_reports(
        store,
        catalogue,
        as_of,
        Level::ALL,
    )?))
}

/// [`build_report`] at several levels from one reading of the registry and the counts.
pub fn build_reports<const N: usize>(
    store: &Store,
    catalogue: &Catalogue,
    as_of: Date,
    levels: [Level; N],
) -> Result<[Report; N], AppError> {
    // Each platform's counts are read on a SQLite connection of their own while this one
    // reads the registry of the date: in a national report they are the longest reads (0.05
    // s each, and the registry 0.05 s).
    let readers: Option<Vec<Store>> = catalogue
        .iter()
        .map(|_| store.sqlite_reader())
        .collect::<Result<_, _>>()?;
    let (schools, read): (_, Result<Vec<_>, _>) = match readers {
        Some(readers) => std::thread::scope(|scope| {
            let reads: Vec<_> = catalogue
                .iter()
                .zip(readers)
                .map(|(platform, reader)| {
                    scope.spawn(move || read_platform(&reader, platform, as_of))
                })
                .collect();
            let schools = store.schools_at(as_of);
            let read = reads
                .into_iter()
                .map(|read| {
                    read.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect();
            (schools, read)
        }),
        None => (
            store.schools_at(as_of),
            catalogue
                .iter()
                .map(|platform| read_platform(store, platform, as_of))
                .collect(),
        ),
    };
    let (schools, read) = (schools?, read?);
    if schools.is_empty() {
        return Err(AppError::NoRegistry);
    }
    let imported = store.platforms_imported()?;
    let mut platforms = Vec::new();
    let mut counts: Vec<Option<PlatformCounts>> = Vec::new();
    let mut previous: Vec<Option<(Date, PlatformCounts)>> = Vec::new();
    for (platform, current_counts, flows_absent, before) in read {
        platforms.push(ReportPlatform {
            platform: platform.clone(),
            present: current_counts.is_some(),
            imported: imported.contains(&platform.code),
            previous: before.as_ref().map(|(date, _)| *date),
            unknown: current_counts.as_ref().map(|c| c.unknown(&schools)),
            counts: current_counts.as_ref().map_or_else(Vec::new, |c| {
                tsos_domain::counts::count_columns(c.uses.values().flatten())
            }),
            flows_absent,
        });
        counts.push(current_counts);
        previous.push(before);
    }
    if counts.iter().all(Option::is_none) {
        return Err(AppError::NoSnapshots {
            date: format_date_ru(as_of),
            available: store
                .platform_dates()?
                .into_iter()
                .map(format_date_ru)
                .collect(),
        });
    }
    let refs: Vec<Option<&PlatformCounts>> = counts.iter().map(Option::as_ref).collect();
    // Each platform has its own previous date, and the registry of that date is the one its
    // share was computed against.
    let mut schools_then = Vec::with_capacity(previous.len());
    for before in &previous {
        schools_then.push(match before {
            Some((date, _)) => Some(store.schools_at(*date)?),
            None => None,
        });
    }
    let book = store.target_book()?;
    // Only the events some platform's Δ spans: the rows pick theirs among these.
    let events: Vec<Event> = store
        .events()?
        .into_iter()
        .map(|stored| stored.event)
        .filter(|event| {
            platforms.iter().any(|p| {
                p.present
                    && event.concerns(&p.platform.code)
                    && p.previous
                        .is_some_and(|previous| event.within(previous, as_of))
            })
        })
        .collect();
    let platform_list: Vec<&tsos_domain::Platform> = catalogue.iter().collect();
    // The deltas are computed one platform at a time, against that platform's date: its rows
    // then, at each level, are made and reduced to what a delta needs before any current
    // row is made, and the previous counts and registries dropped, so that none of them
    // stands beside the current rows (at 40,000 schools, ~60 MB of the report's peak).
    let levels = levels.map(|level| {
        let mut rows_then = Vec::new();
        for (idx, (before, then)) in previous.iter().zip(&schools_then).enumerate() {
            let (Some((_, before_counts)), Some(then)) = (before, then) else {
                continue;
            };
            let mut only_this: Vec<Option<&PlatformCounts>> = vec![None; refs.len()];
            only_this[idx] = Some(before_counts);
            rows_then.push(PreviousRows::of(compute(level, then, &only_this)));
        }
        (level, rows_then)
    });
    drop((previous, schools_then));
    Ok(levels.map(|(level, rows_then)| {
        let mut rows = compute(level, &schools, &refs);
        for then in &rows_then {
            apply_delta(&mut rows, then);
        }
        drop(rows_then);
        apply_targets(&mut rows, level, as_of, &platform_list, &book);
        apply_ranks(&mut rows, level);
        Report {
            as_of,
            level,
            platforms: platforms.clone(),
            rows,
            events: events.clone(),
        }
    }))
}

/// What a platform has at a date: its current counts with their user flows (or why there are
/// none), and the counts of its previous snapshot with their date.
type PlatformRead<'c> = (
    &'c Platform,
    Option<PlatformCounts>,
    Option<FlowsAbsence>,
    Option<(Date, PlatformCounts)>,
);

fn read_platform<'c>(
    store: &Store,
    platform: &'c Platform,
    as_of: Date,
) -> Result<PlatformRead<'c>, AppError> {
    let current = store.current_at(&platform.code, as_of)?;
    let mut current_counts = current
        .as_ref()
        .map(|snapshot| store.platform_counts(snapshot))
        .transpose()?;
    let mut flows_absent = None;
    if let (Some(snapshot), Some(counts)) = (&current, &mut current_counts) {
        match crate::flows::platform_flows(store, snapshot)? {
            Ok(flows) => counts.flows = Some(flows),
            Err(absence) => flows_absent = Some(absence),
        }
    }
    let before = match &current {
        Some(_) => store.previous(&platform.code, as_of)?,
        None => None,
    };
    let before = before
        .map(|snapshot| {
            store
                .platform_counts(&snapshot)
                .map(|c| (snapshot.as_of, c))
        })
        .transpose()?;
    Ok((platform, current_counts, flows_absent, before))
}
