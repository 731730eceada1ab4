//! Organisation identifiers (ИНН or another code of the school).

use std::fmt;

/// A normalised organisation id: spaces removed; an all-digit id of 9 or 11 digits gets its
/// leading zero back (Excel drops it from Dagestan's «05…» ИНН stored as numbers).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgId(String);

impl OrgId {
    /// Normalises a raw id as written in a file. `None` for an empty one.
    pub fn normalize(raw: &str) -> Option<OrgId> {
        let mut id: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}')
            .collect();
        // A numeric cell read as text may carry Excel's decimal tail: «512345678.0».
        if let Some(stripped) = id.strip_suffix(".0")
            && !stripped.is_empty()
            && stripped.bytes().all(|b| b.is_ascii_digit())
        {
            id.truncate(stripped.len());
        }
        if id.is_empty() {
            return None;
        }
        if id.bytes().all(|b| b.is_ascii_digit()) && (id.len() == 9 || id.len() == 11) {
            id.insert(0, '0');
        }
        Some(OrgId(id))
    }

    /// An id taken as is, already normalised (from storage).
    pub fn from_normalized(id: String) -> OrgId {
        OrgId(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(raw: &str) -> Option<String> {
        OrgId::normalize(raw).map(|id| id.0)
    }

    #[test]
    fn nine_digit_inn_gets_its_zero_back() {
        assert_eq!(norm("512345678").as_deref(), Some("0512345678"));
    }

    #[test]
    fn eleven_digit_inn_gets_its_zero_back() {
        assert_eq!(norm("51234567890").as_deref(), Some("051234567890"));
    }

    #[test]
    fn ten_and_twelve_digits_stay() {
        assert_eq!(norm("0512345678").as_deref(), Some("0512345678"));
        assert_eq!(norm("7701234567").as_deref(), Some("7701234567"));
        assert_eq!(norm("051234567890").as_deref(), Some("051234567890"));
    }

    #[test]
    fn spaces_and_nbsp_removed() {
        assert_eq!(norm(" 05 1234\u{a0}5678 ").as_deref(), Some("0512345678"));
        assert_eq!(norm("512 345 678").as_deref(), Some("0512345678"));
    }

    #[test]
    fn excel_decimal_tail_removed() {
        assert_eq!(norm("512345678.0").as_deref(), Some("0512345678"));
    }

    #[test]
    fn other_codes_kept_as_written() {
        assert_eq!(norm("ОО-17").as_deref(), Some("ОО-17"));
        assert_eq!(norm("12345").as_deref(), Some("12345"));
    }

    #[test]
    fn empty_is_none() {
        assert_eq!(norm(""), None);
        assert_eq!(norm(" \u{a0} "), None);
    }
}
