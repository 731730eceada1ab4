//! Figures for the pages: the application's reports, kept until the data change.
//!
//! A trend over twelve months needs twelve reports, and every page of a month needs the
//! school, municipality and region reports of it; building them takes far longer than
//! rendering a page. They are cached against [`Store::figures_stamp`], which changes with
//! every import, restore and target, so a cached figure is never stale.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, PoisonError};

use jiff::civil::Date;
use tsos_app::quality::{QualityReport, build_quality};
use tsos_app::report::build_report;
use tsos_domain::{Catalogue, Level, Report};
use tsos_store::Store;

use crate::error::WebError;
use crate::state::Inner;

/// At most this many reports are kept: a year of months at every level with room to spare.
/// At national scale a school-level report is tens of megabytes, so the cache is bounded.
const MAX_REPORTS: usize = 48;
const MAX_QUALITY: usize = 4;

#[derive(Default)]
pub(crate) struct Cache {
    stamp: String,
    reports: HashMap<(Date, &'static str), Arc<Report>>,
    /// Insertion order, oldest first, for eviction.
    order: VecDeque<(Date, &'static str)>,
    quality: HashMap<Date, Arc<QualityReport>>,
}

impl Cache {
    fn reset_unless(&mut self, stamp: &str) {
        if self.stamp != stamp {
            self.stamp = stamp.to_string();
            self.reports.clear();
            self.order.clear();
            self.quality.clear();
        }
    }
}

/// A connection for one request, with the cache.
pub(crate) struct Db<'a> {
    pub store: &'a mut Store,
    inner: &'a Inner,
    /// Read once per request: the figures a page shows all come from one state of the data.
    stamp: Option<String>,
}

impl<'a> Db<'a> {
    pub fn new(store: &'a mut Store, inner: &'a Inner) -> Db<'a> {
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
        let stamp = self.stamp()?;
        let key = (as_of, level.code());
        {
            let mut cache = self.lock();
            cache.reset_unless(&stamp);
            if let Some(report) = cache.reports.get(&key) {
                return Ok(Arc::clone(report));
            }
        }
        // Built without the lock: another request may build the same report meanwhile,
        // which costs time but not correctness.
        let report = Arc::new(build_report(
            self.store,
            &self.inner.catalogue,
            as_of,
            level,
        )?);
        let mut cache = self.lock();
        if cache.stamp == stamp && !cache.reports.contains_key(&key) {
            while cache.order.len() >= MAX_REPORTS {
                if let Some(old) = cache.order.pop_front() {
                    cache.reports.remove(&old);
                }
            }
            cache.order.push_back(key);
            cache.reports.insert(key, Arc::clone(&report));
        }
        Ok(report)
    }

    pub fn quality(&mut self, as_of: Date) -> Result<Arc<QualityReport>, WebError> {
        let stamp = self.stamp()?;
        {
            let mut cache = self.lock();
            cache.reset_unless(&stamp);
            if let Some(quality) = cache.quality.get(&as_of) {
                return Ok(Arc::clone(quality));
            }
        }
        let quality = Arc::new(build_quality(self.store, &self.inner.catalogue, as_of)?);
        let mut cache = self.lock();
        if cache.stamp == stamp {
            if cache.quality.len() >= MAX_QUALITY {
                cache.quality.clear();
            }
            cache.quality.insert(as_of, Arc::clone(&quality));
        }
        Ok(quality)
    }

    /// Adds a line to the audit log.
    pub fn audit(
        &mut self,
        login: Option<&str>,
        action: &str,
        detail: &str,
    ) -> Result<(), WebError> {
        Ok(self.store.append_audit(login, action, detail)?)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
