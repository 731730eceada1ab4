//! Finding the header row of a file among the title lines above it, for the exports and the
//! chats registry alike.

use jiff::civil::Date;

use crate::error::IngestError;
use crate::source::{Cell, Row, Source};
use crate::{RowStats, title};

/// How many rows from the top may hold the header.
pub const HEADER_SEARCH_ROWS: usize = 20;

/// What the search for a header row found.
pub enum Search<H> {
    Found {
        header: H,
        /// The header's line (or row) number.
        line: u64,
        /// The as-of date of a title line above the header.
        title_date: Option<Date>,
    },
    /// Nothing but blank rows.
    Empty,
    /// Rows, but none `recognise` accepted: the rows read, for the error to quote.
    NotFound(Vec<Row>),
}

/// Finds the header: the first row among the first [`HEADER_SEARCH_ROWS`] that `recognise`
/// accepts. The rows above it are title or blank lines, counted in `stats`; a title line may
/// give the as-of date («… по состоянию на 01.10.2023»).
pub fn find_header<H>(
    source: &mut Source,
    stats: &mut RowStats,
    mut recognise: impl FnMut(&Row) -> Option<H>,
) -> Result<Search<H>, IngestError> {
    let mut before: Vec<Row> = Vec::new();
    while before.len() < HEADER_SEARCH_ROWS {
        let Some(row) = source.next_row()? else {
            break;
        };
        stats.read += 1;
        if let Some(header) = recognise(&row) {
            for row in &before {
                if row.is_blank() {
                    stats.blank += 1;
                } else {
                    stats.title += 1;
                }
            }
            let title_date = before.iter().find_map(|row| {
                let text: Vec<String> = row.cells.iter().map(Cell::to_text).collect();
                title::date_in_title(&text.join(" "))
            });
            return Ok(Search::Found {
                header,
                line: row.loc.number(),
                title_date,
            });
        }
        before.push(row);
    }
    if before.iter().all(Row::is_blank) {
        Ok(Search::Empty)
    } else {
        Ok(Search::NotFound(before))
    }
}
