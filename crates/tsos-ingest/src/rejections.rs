//! The invalid rows of one reading, counted and listed alike by every reader: per-user and
//! per-school exports, the fast path's blocks, the chats registry.

use std::collections::BTreeMap;

use crate::error::{IngestError, RowError};
use crate::row::RowErrorKind;

/// How many invalid rows an error or a summary lists; the others are only counted.
pub(crate) const LISTED: usize = 20;

#[derive(Debug, Default)]
pub(crate) struct Rejections {
    /// Every invalid cell (one row may have several).
    pub total: usize,
    pub by_kind: BTreeMap<RowErrorKind, u64>,
    /// The first [`LISTED`], in file order.
    pub listed: Vec<RowError>,
}

impl Rejections {
    /// Counts an invalid cell of `kind`; `error` describes it, and is built only while the
    /// list has room: a file of a million bad rows costs no million messages.
    pub fn add(&mut self, kind: RowErrorKind, error: impl FnOnce() -> RowError) {
        self.total += 1;
        *self.by_kind.entry(kind).or_default() += 1;
        if self.listed.len() < LISTED {
            self.listed.push(error());
        }
    }

    /// Takes in the rejections of a later part of the file; `place` settles where each of
    /// its listed rows is in the whole file.
    pub fn append(&mut self, later: Rejections, mut place: impl FnMut(&mut RowError)) {
        self.total += later.total;
        for (kind, n) in later.by_kind {
            *self.by_kind.entry(kind).or_default() += n;
        }
        let room = LISTED.saturating_sub(self.listed.len());
        self.listed
            .extend(later.listed.into_iter().take(room).map(|mut error| {
                place(&mut error);
                error
            }));
    }

    /// The end of a reading: with invalid rows it fails, listing them, unless `skip_invalid`
    /// keeps the good rows; then the listed rows are the examples a summary shows.
    pub fn settle(self, file: &str, skip_invalid: bool) -> Result<Settled, IngestError> {
        if self.total > 0 && !skip_invalid {
            return Err(IngestError::InvalidRows {
                file: file.to_string(),
                total: self.total,
                errors: self.listed,
            });
        }
        Ok(Settled {
            by_kind: self.by_kind,
            examples: self.listed,
        })
    }
}

/// The invalid rows a reading went on past.
pub(crate) struct Settled {
    pub by_kind: BTreeMap<RowErrorKind, u64>,
    pub examples: Vec<RowError>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::RowLoc;

    fn error(line: u64) -> RowError {
        RowError {
            file: "f.csv".into(),
            loc: RowLoc::Line(line),
            column_idx: 0,
            header: "ИНН".into(),
            reason: "не ИНН".into(),
            kind: RowErrorKind::NotInn,
        }
    }

    #[test]
    fn counts_every_row_and_lists_the_first() {
        let mut rejections = Rejections::default();
        for line in 1..=25 {
            rejections.add(RowErrorKind::NotInn, || error(line));
        }
        rejections.add(RowErrorKind::NotDate, || unreachable!("the list is full"));
        assert_eq!(rejections.total, 26);
        assert_eq!(rejections.by_kind[&RowErrorKind::NotInn], 25);
        assert_eq!(rejections.by_kind[&RowErrorKind::NotDate], 1);
        assert_eq!(rejections.listed.len(), LISTED);
        assert_eq!(rejections.listed[19].loc, RowLoc::Line(20));
    }

    #[test]
    fn appends_a_later_part_in_place() {
        let mut first = Rejections::default();
        first.add(RowErrorKind::NotInn, || error(3));
        let mut later = Rejections::default();
        later.add(RowErrorKind::NotInn, || error(2));
        first.append(later, |e| e.loc = RowLoc::Line(100 + e.loc.number()));
        assert_eq!(first.total, 2);
        assert_eq!(first.listed[1].loc, RowLoc::Line(102));
    }

    #[test]
    fn settles_as_an_error_unless_skipping() {
        let mut rejections = Rejections::default();
        rejections.add(RowErrorKind::NotInn, || error(3));
        let err = rejections.settle("f.csv", false).err().unwrap();
        assert!(matches!(err, IngestError::InvalidRows { total: 1, .. }));
        let mut rejections = Rejections::default();
        rejections.add(RowErrorKind::NotInn, || error(3));
        let settled = rejections.settle("f.csv", true).unwrap();
        assert_eq!(settled.examples.len(), 1);
        assert_eq!(
            Rejections::default()
                .settle("f.csv", false)
                .unwrap()
                .examples,
            []
        );
    }
}
