//! Addresses of the pages. Municipalities and regions are addressed by their names as the
//! registry writes them, percent-encoded; schools by their ИНН.

use jiff::civil::Date;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but unreserved characters is encoded, so a name with «/», «?» or «#» stays one
/// path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A path segment or a query value.
pub(crate) fn encode(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

/// `?as_of=2023-10-01`, or nothing for the latest date (so that links stay current).
pub(crate) fn date_query(as_of: Option<Date>) -> String {
    match as_of {
        Some(date) => format!("?as_of={date}"),
        None => String::new(),
    }
}

pub(crate) fn region(name: &str, as_of: Option<Date>) -> String {
    format!("/region/{}{}", encode(name), date_query(as_of))
}

pub(crate) fn municipality(name: &str, as_of: Option<Date>) -> String {
    format!("/municipality/{}{}", encode(name), date_query(as_of))
}

pub(crate) fn school(inn: &str, as_of: Option<Date>) -> String {
    format!("/school/{}{}", encode(inn), date_query(as_of))
}

/// A link target given by the client (`?next=`) that is safe to redirect to: a path on this
/// site, never another host or a scheme. It must begin with one `/` followed by anything but
/// `/` or `\` (`//evil`, `/\evil` name a host to a browser) and hold only visible ASCII:
/// browsers drop tabs and line breaks from an address (`/<TAB>/evil` is `//evil` to them), and
/// a header cannot carry the rest. The paths this site links to are percent-encoded, so
/// nothing legitimate is lost.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(next)
            if next.starts_with('/')
                && !next[1..].starts_with(['/', '\\'])
                && next.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            next.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_one_segment() {
        assert_eq!(
            encode("Буйнакский район"),
            "%D0%91%D1%83%D0%B9%D0%BD%D0%B0%D0%BA%D1%81%D0%BA%D0%B8%D0%B9%20%D1%80%D0%B0%D0%B9%D0%BE%D0%BD"
        );
        assert_eq!(
            encode("г/о «Махачкала»?#"),
            "%D0%B3%2F%D0%BE%20%C2%AB%D0%9C%D0%B0%D1%85%D0%B0%D1%87%D0%BA%D0%B0%D0%BB%D0%B0%C2%BB%3F%23"
        );
    }

    #[test]
    fn next_stays_on_site() {
        assert_eq!(
            safe_next(Some("/school/0500000001?as_of=2023-10-01")),
            "/school/0500000001?as_of=2023-10-01"
        );
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\x0b/x")), "/");
        assert_eq!(safe_next(Some("/a\r\nSet-Cookie: x")), "/");
        assert_eq!(safe_next(Some("/школа")), "/");
        assert_eq!(safe_next(Some("/")), "/");
        assert_eq!(safe_next(Some("/ok/path?x=1")), "/ok/path?x=1");
        assert_eq!(safe_next(Some("")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
