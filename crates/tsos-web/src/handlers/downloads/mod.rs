//! Files to download: the page that lists them ([`list`]), the XLSX appendix, the report as
//! CSV or JSON, the letters `tsos letter` wrote, and for administrators the open-data ZIP of
//! `tsos publish`. Each holds only the rows the account may see, and each download is logged.

pub(crate) mod appendix;
pub(crate) mod letter;
pub(crate) mod list;
pub(crate) mod opendata;
pub(crate) mod report;
