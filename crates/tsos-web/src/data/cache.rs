//! The reports, data-quality reports and serialised answers kept for every request, and
//! what each weighs against its budget.

use std::mem::size_of;
use std::sync::Arc;

use jiff::civil::Date;
use tsos_app::quality::QualityReport;
use tsos_domain::{Indicator, IndicatorRow, OrgId, Report, RoleMap};

use super::answers::{Answer, AnswerKey};
use super::flights::Flights;

/// Reports kept: a national school-level report is some 40 MB, a region's a few; a year of
/// a region's months at every level fits.
const REPORT_BUDGET: usize = 384 << 20;
/// Data-quality reports kept: each lists the registry's names.
const QUALITY_BUDGET: usize = 64 << 20;
/// Serialised answers kept, compressed: a national school-level JSON is some 18 MB.
const ANSWER_BUDGET: usize = 128 << 20;

/// Every kind kept, valid while the data stay as [`Cache::stamp`] says.
pub(super) struct Cache {
    /// [`tsos_store::Store::figures_stamp`] of the data the values were built from.
    pub stamp: String,
    pub reports: Flights<(Date, &'static str), Arc<Report>>,
    pub quality: Flights<Date, Arc<QualityReport>>,
    pub answers: Flights<AnswerKey, Answer>,
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
    /// Forgets everything unless it was built from the data of `stamp`.
    pub fn reset_unless(&mut self, stamp: &str) {
        if self.stamp != stamp {
            self.stamp = stamp.to_string();
            self.reports.clear();
            self.quality.clear();
            self.answers.clear();
        }
    }
}

/// About what a report holds in memory: its rows with their texts and figures, and the ids of
/// unknown organisations.
pub(super) fn report_bytes(report: &Report) -> usize {
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
pub(super) fn quality_bytes(quality: &QualityReport) -> usize {
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
