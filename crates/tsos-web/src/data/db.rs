//! Figures for the pages: the application's reports, kept until the data change.
//!
//! A trend over twelve months needs twelve reports, and every page of a month needs the
//! school, municipality and region reports of it; building them takes far longer than
//! rendering a page. They are cached against [`Store::figures_stamp`], which changes with
//! every import, restore and target, so a cached figure is never stale.
//!
//! Each report, data-quality report and serialised answer ([`super::answers`]) is built once
//! however many requests want it at the same time ([`Flights`]), and each kind is kept within
//! a budget of bytes: at 40,000 schools a school-level report is tens of megabytes.
//!
//! A page asks for figures as its account may see them ([`Db::scoped_report`],
//! [`Db::scoped_answer`]): the scope's filter is applied here, on the server, for every page,
//! download and API call.

use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::time::Instant;

use jiff::civil::Date;
use tsos_app::quality::{QualityReport, build_quality};
use tsos_app::report::build_report;
use tsos_domain::{Catalogue, Level, Report};
use tsos_store::{AuditLine, Store};

use super::Inner;
use super::answers::{Answer, AnswerFormat, AnswerKey, AnswerWriter};
use super::audit::Action;
use super::cache::{Cache, quality_bytes, report_bytes};
use super::flights::Flights;
use super::uploads::Uploads;
use crate::http::error::WebError;
use crate::http::query::When;
use crate::scope::Account;

/// A connection for one request, with the cache.
pub(crate) struct Db<'a> {
    pub store: &'a mut Store,
    inner: &'a Arc<Inner>,
    /// Read once per request: the figures a page shows all come from one state of the data.
    stamp: Option<String>,
}

impl<'a> Db<'a> {
    pub(super) fn new(store: &'a mut Store, inner: &'a Arc<Inner>) -> Db<'a> {
        Db {
            store,
            inner,
            stamp: None,
        }
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.inner.catalogue
    }

    pub fn flow_key(&self) -> Option<&tsos_ingest::FlowKey> {
        self.inner.flow_key.as_ref()
    }

    pub fn uploads(&self) -> &Uploads {
        &self.inner.uploads
    }

    /// Dates with a platform snapshot, ascending.
    pub fn dates(&self) -> Result<Vec<Date>, WebError> {
        Ok(self.store.platform_dates()?)
    }

    /// The date a page shows: the one `as_of` names, else the latest with data; `None` when
    /// nothing is imported yet.
    pub fn when(&self, as_of: Option<&str>) -> Result<Option<When>, WebError> {
        When::among(self.dates()?, as_of)
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
    fn answer(
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

    /// The report of a date (the latest by default) and level as `account` may see it.
    pub fn scoped_report(
        &mut self,
        account: &Account,
        as_of: Option<&str>,
        level: Level,
    ) -> Result<Report, WebError> {
        account.require_level(level)?;
        let when = self.when(as_of)?.ok_or(WebError::NotFound)?;
        let report = self.report(when.as_of, level)?;
        Ok(account.filter(&report))
    }

    /// The report of a date (the latest by default) and level as `account` may see it, in
    /// `format`, with its date: serialised once for every account of the same role and scope.
    pub fn scoped_answer(
        &mut self,
        account: &Account,
        as_of: Option<&str>,
        level: Level,
        format: AnswerFormat,
    ) -> Result<(Date, Answer), WebError> {
        account.require_level(level)?;
        let date = self.when(as_of)?.ok_or(WebError::NotFound)?.as_of;
        let key = AnswerKey {
            as_of: date,
            level: level.code(),
            role: account.role.code(),
            scope: account.scope.clone(),
            format,
        };
        let answer = self.answer(key, |db| {
            let report = db.report(date, level)?;
            // An admin sees every row: the report is written as it is, not copied first.
            if account.is_admin() {
                serialise(&report, format)
            } else {
                serialise(&account.filter(&report), format)
            }
        })?;
        Ok((date, answer))
    }

    /// Adds a line to the audit log now: for a change, which is on record before it is
    /// answered.
    pub fn audit(
        &mut self,
        login: Option<&str>,
        action: Action,
        detail: &str,
    ) -> Result<(), WebError> {
        Ok(self.store.append_audit(login, action.code(), detail)?)
    }

    /// Adds a line of reading (`view`, `download`) to the audit log, written within
    /// [`super::audit::FLUSH_EVERY`] with others ([`super::audit`]).
    pub fn audit_read(&self, login: &str, action: Action, detail: &str) {
        self.inner.audit_later(AuditLine {
            at: jiff::Timestamp::now(),
            login: Some(login.to_string()),
            action: action.code().to_string(),
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

fn serialise(report: &Report, format: AnswerFormat) -> Result<Answer, WebError> {
    let mut writer = AnswerWriter::new();
    match format {
        AnswerFormat::Json => {
            tsos_report::json::write(report, &mut writer, tsos_report::json::JsonStyle::Compact)?
        }
        AnswerFormat::Csv => writer.write_all(&tsos_report::csv::to_bytes(report))?,
    }
    Ok(writer.finish()?)
}
