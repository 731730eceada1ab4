//! Numbers and dates as Russian readers expect them: «81,3 %», «1 234», «+3,1 п.п.»,
//! «01.10.2023».

/// A share as percent with one decimal: `0.8134` → «81,3 %»; `None` → «—».
pub fn percent(share: Option<f64>) -> String {
    match share {
        Some(share) => format!("{} %", decimal(share * 100.0, 1)),
        None => "—".to_string(),
    }
}

/// A change in percentage points with its sign: «+3,1», «−0,4», «0,0»; `None` → «—».
pub fn delta_pp(delta: Option<f64>) -> String {
    match delta {
        Some(delta) => {
            let rounded = (delta * 10.0).round() / 10.0;
            let text = decimal(rounded.abs(), 1);
            if rounded > 0.0 {
                format!("+{text}")
            } else if rounded < 0.0 {
                format!("−{text}")
            } else {
                text
            }
        }
        None => "—".to_string(),
    }
}

/// A number with `places` decimals and a decimal comma: `81.25` → «81,3» (half away from zero).
pub fn decimal(value: f64, places: usize) -> String {
    let factor = 10f64.powi(places as i32);
    let rounded = (value * factor).round() / factor;
    format!("{rounded:.places$}").replace('.', ",")
}

/// A number with at most one decimal place, none where it is whole: «20», «12,5».
pub fn short_decimal(value: f64) -> String {
    let text = decimal(value, 1);
    match text.strip_suffix(",0") {
        Some(whole) => whole.to_string(),
        None => text,
    }
}

/// A whole number with thin groups of thousands: `1234567` → «1 234 567».
pub fn integer(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (idx, ch) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(ch);
    }
    out
}

/// A change in whole numbers with its sign: «+1 234», «−14», «0»; `None` → «—».
pub fn signed_integer(value: Option<i64>) -> String {
    match value {
        Some(value) if value > 0 => format!("+{}", integer(value.unsigned_abs())),
        Some(value) if value < 0 => format!("−{}", integer(value.unsigned_abs())),
        Some(_) => "0".to_string(),
        None => "—".to_string(),
    }
}

/// A rate with one decimal: «12,3»; `None` → «—».
pub fn rate(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_string(), |v| decimal(v, 1))
}

/// The Russian plural form for `n`: 1 организация, 2 организации, 5 организаций,
/// 11 организаций, 21 организация.
pub fn plural<'a>(n: u64, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    match (n % 10, n % 100) {
        (_, 11..=14) => many,
        (1, _) => one,
        (2..=4, _) => few,
        _ => many,
    }
}

pub fn optional_integer(value: Option<u64>) -> String {
    value.map(integer).unwrap_or_else(|| "—".to_string())
}

/// At most `width` characters: a longer text is cut and ends with «…».
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percents() {
        assert_eq!(percent(Some(0.8134)), "81,3 %");
        assert_eq!(percent(Some(0.0)), "0,0 %");
        assert_eq!(percent(Some(1.25)), "125,0 %");
        assert_eq!(percent(None), "—");
    }

    #[test]
    fn short_decimals() {
        assert_eq!(short_decimal(20.0), "20");
        assert_eq!(short_decimal(12.5), "12,5");
        assert_eq!(short_decimal(12.04), "12");
        assert_eq!(short_decimal(0.25), "0,3");
    }

    #[test]
    fn deltas() {
        assert_eq!(delta_pp(Some(3.13)), "+3,1");
        assert_eq!(delta_pp(Some(-0.44)), "−0,4");
        assert_eq!(delta_pp(Some(0.04)), "0,0");
        assert_eq!(delta_pp(Some(-0.04)), "0,0");
        assert_eq!(delta_pp(None), "—");
    }

    #[test]
    fn plurals() {
        let form = |n| plural(n, "строка", "строки", "строк");
        assert_eq!(
            [
                form(1),
                form(2),
                form(5),
                form(11),
                form(12),
                form(21),
                form(104)
            ],
            [
                "строка",
                "строки",
                "строк",
                "строк",
                "строк",
                "строка",
                "строки"
            ]
        );
    }

    #[test]
    fn signed_integers_and_rates() {
        assert_eq!(signed_integer(Some(1234)), "+1 234");
        assert_eq!(signed_integer(Some(-14)), "−14");
        assert_eq!(signed_integer(Some(0)), "0");
        assert_eq!(signed_integer(None), "—");
        assert_eq!(rate(Some(12.345)), "12,3");
        assert_eq!(rate(None), "—");
    }

    #[test]
    fn integers() {
        assert_eq!(integer(0), "0");
        assert_eq!(integer(999), "999");
        assert_eq!(integer(1000), "1 000");
        assert_eq!(integer(1_234_567), "1 234 567");
    }
}
