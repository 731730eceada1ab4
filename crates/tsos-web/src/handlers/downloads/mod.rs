//! Files to download: the page that lists them ([`list`]), the XLSX appendix, the report as
//! CSV or JSON, and the letters `tsos letter` wrote. Each holds only the rows the account may
//! see, and each download is logged.

pub(crate) mod appendix;
pub(crate) mod letter;
pub(crate) mod list;
pub(crate) mod report;
