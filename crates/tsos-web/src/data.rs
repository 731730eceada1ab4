//! Figures for the pages: the application's reports, kept until the data change.
//!
//! A trend over twelve months needs twelve reports, and every page of a month needs the
//! school, municipality and region reports of it; building them takes far longer than
//! rendering a page. They are cached against [`Store::figures_stamp`], which changes with
//! every import, restore and target, so a cached figure is never stale.
//!
//! Each report, data-quality report and serialised answer ([`crate::answers`]) is built once
//! however many requests want it at the same time ([`Flights`]), and each kind is kept within
//! a budget of bytes: at 40,000 schools a school-level report is tens of megabytes.

use std::mem::size_of;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::time::Instant;

use jiff::civil::Date;
use tsos_app::quality::{QualityReport, build_quality};
use tsos_app::report::build_report;
use tsos_domain::{Catalogue, Indicator, IndicatorRow, Level, OrgId, Report, RoleMap};
use tsos_store::{AuditLine, Store};

use crate::answers::{Answer, AnswerKey};
use crate::error::WebError;
use crate::flights::Flights;
use crate::state::Inner;

/// Reports kept: a national school-level report is some 40 MB, a region's a few; a year of
/// a region's months at every level fits.
const REPORT_BUDGET: usize = 384 << 20;
/// Data-quality reports kept: each lists the registry's names.
const QUALITY_BUDGET: usize = 64 << 20;
/// Serialised answers kept, compressed: a national school-level JSON is some 18 MB.
const ANSWER_BUDGET: usize = 128 << 20;

pub(crate) struct Cache {
    stamp: String,
    reports: Flights<(Date, &'static str), Arc<Report>>,
    quality: Flights<Date, Arc<QualityReport>>,
    answers: Flights<AnswerKey, Answer>,
}

impl Default for Cache {
    fn default() -> Cache {
        Cache {
            stamp: String::new(),
            reports: Flights::new(REPORT_BUDGET),
            quality: Flights::new(QUALITY_BUDGET),
            answers: Flights::new(ANSWER_BUDGET),
        }
    }
}

impl Cache {
    fn reset_unless(&mut self, stamp: &str) {
        if self.stamp != stamp {
            self.stamp = stamp.to_string();
            self.reports.clear();
            self.quality.clear();
            self.answers.clear();
        }
    }
}

/// A connection for one request, with the cache.
pub(crate) struct Db<'a> {
    pub store: &'a mut Store,
    inner: &'a Arc<Inner>,
    /// Read once per request: the figures a page shows all come from one state of the data.
    stamp: Option<String>,
}

impl<'a> Db<'a> {
    pub fn new(store: &'a mut Store, inner: &'a Arc<Inner>) -> Db<'a> {
        Db {
            store,
            inner,
            stamp: None,
        }
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.inner.catalogue
    }

    pub fn uploads(&self) -> &crate::import::Uploads {
        &self.inner.uploads
    }

    /// Dates with a platform snapshot, ascending.
    pub fn dates(&self) -> Result<Vec<Date>, WebError> {
        Ok(self.store.platform_dates()?)
    }

    fn stamp(&mut self) -> Result<String, WebError> {
        if self.stamp.is_none() {
            self.stamp = Some(self.store.figures_stamp()?);
        }
        Ok(self.stamp.clone().unwrap_or_default())
    }

    pub fn report(&mut self, as_of: Date, level: Level) -> Result<Arc<Report>, WebError> {
        self.shared(
            |cache| &mut cache.reports,
            (as_of, level.code()),
            |report| report_bytes(report),
            |db| {
                db.inner.report_builds.fetch_add(1, Ordering::Relaxed);
                let started = Instant::now();
                let report = build_report(db.store, &db.inner.catalogue, as_of, level)?;
                tracing::info!(
                    date = %as_of,
                    level = level.code(),
                    rows = report.rows.len(),
                    mb = report_bytes(&report) >> 20,
                    ms = started.elapsed().as_millis(),
                    "отчет построен"
                );
                Ok(Arc::new(report))
            },
        )
    }

    pub fn quality(&mut self, as_of: Date) -> Result<Arc<QualityReport>, WebError> {
        self.shared(
            |cache| &mut cache.quality,
            as_of,
            |quality| quality_bytes(quality),
            |db| {
                let quality = build_quality(db.store, &db.inner.catalogue, as_of)?;
                Ok(Arc::new(quality))
            },
        )
    }

    /// The answer of `key`, serialised by `build` once for every request that asks for it.
    pub fn answer(
        &mut self,
        key: AnswerKey,
        build: impl Fn(&mut Db<'a>) -> Result<Answer, WebError>,
    ) -> Result<Answer, WebError> {
        self.shared(|cache| &mut cache.answers, key, Answer::bytes, build)
    }

    /// The value of `key` in the cache `flights` picks: kept, being built by another request
    /// (then this one waits for it), or built here by `build`.
    fn shared<K, V>(
        &mut self,
        flights: fn(&mut Cache) -> &mut Flights<K, V>,
        key: K,
        weigh: fn(&V) -> usize,
        build: impl Fn(&mut Db<'a>) -> Result<V, WebError>,
    ) -> Result<V, WebError>
    where
        K: std::hash::Hash + Eq + Clone,
        V: Clone,
    {
        let stamp = self.stamp()?;
        let cell = {
            let mut cache = self.lock();
            cache.reset_unless(&stamp);
            flights(&mut cache).cell(&key)
        };
        let mut failure = None;
        let value = cell
            .get_or_init(|| build(self).map_err(|err| failure = Some(err)).ok())
            .clone();
        let mut cache = self.lock();
        match value {
            Some(value) => {
                if cache.stamp == stamp {
                    flights(&mut cache).built(&key, &cell, || weigh(&value));
                }
                Ok(value)
            }
            None => {
                flights(&mut cache).forget(&key, &cell);
                drop(cache);
                match failure {
                    Some(err) => Err(err),
                    // Another request's build failed; this one learns its own error.
                    None => build(self),
                }
            }
        }
    }

    /// Adds a line to the audit log now: for a change, which is on record before it is
    /// answered.
    pub fn audit(
        &mut self,
        login: Option<&str>,
        action: &str,
        detail: &str,
    ) -> Result<(), WebError> {
        Ok(self.store.append_audit(login, action, detail)?)
    }

    /// Adds a line of reading (`view`, `download`) to the audit log, written within
    /// [`crate::audit::FLUSH_EVERY`] with others ([`crate::audit`]).
    pub fn audit_read(&self, login: &str, action: &str, detail: &str) {
        self.inner.audit_later(AuditLine {
            at: jiff::Timestamp::now(),
            login: Some(login.to_string()),
            action: action.to_string(),
            detail: detail.to_string(),
        });
    }

    /// Writes the queued lines of reading, so that the audit log read next has them.
    pub fn flush_audit(&mut self) -> Result<(), WebError> {
        Ok(self.inner.audit.flush(self.store)?)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// About what a report holds in memory: its rows with their texts and figures, and the ids of
/// unknown organisations.
fn report_bytes(report: &Report) -> usize {
    let row = |row: &IndicatorRow| {
        size_of::<IndicatorRow>()
            + row.id.capacity()
            + row.name.capacity()
            + row.municipality.capacity()
            + row.region.capacity()
            + row.platforms.capacity() * size_of::<Option<RoleMap<Indicator>>>()
    };
    let unknown: usize = report
        .platforms
        .iter()
        .filter_map(|platform| platform.unknown.as_ref())
        .map(|unknown| {
            unknown
                .ids
                .iter()
                .map(|id| size_of::<OrgId>() + id.as_str().len())
                .sum::<usize>()
        })
        .sum();
    size_of::<Report>() + report.rows.iter().map(row).sum::<usize>() + unknown
}

/// About what a data-quality report holds: the registry's names and the findings' ids.
fn quality_bytes(quality: &QualityReport) -> usize {
    let text = |s: &String| size_of::<String>() + s.capacity();
    let names: usize = quality
        .names
        .iter()
        .map(|(inn, name)| text(inn) + text(name))
        .sum();
    let findings: usize = quality
        .findings
        .iter()
        .map(|finding| finding.orgs.iter().map(text).sum::<usize>())
        .sum();
    size_of::<QualityReport>() + names + findings
}
