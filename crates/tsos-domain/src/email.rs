//! Schools' e-mail addresses as a registry cell gives them, and what became of a notice sent to
//! one (issue 16).
//!
//! The check is the syntax SMTP servers accept in practice, not the whole of RFC 5322: a
//! registry is typed by people, and what is caught here («школа@mail», «sch ool@mail.ru»,
//! a Cyrillic «с» typed for a Latin one) is caught at import, with its line, rather than as a
//! bounce a month later.

/// The addresses of one cell: several may be separated by `;`, `,` or spaces. Empty, «-» or
/// «нет» is no address (`Ok` of an empty list); anything that is not an address is `Err` with
/// the reason in Russian. Domains are lower-cased, repeats dropped.
pub fn parse_addresses(text: &str) -> Result<Vec<String>, String> {
    let trimmed = text.trim();
    if matches!(trimmed, "" | "-" | "—" | "–") || trimmed.to_lowercase() == "нет" {
        return Ok(Vec::new());
    }
    let mut out: Vec<String> = Vec::new();
    for piece in trimmed.split(|c: char| c == ';' || c == ',' || c.is_whitespace()) {
        if piece.is_empty() {
            continue;
        }
        let address = parse_one(piece).map_err(|why| format!("«{piece}»: {why}"))?;
        if !out.iter().any(|a| a.eq_ignore_ascii_case(&address)) {
            out.push(address);
        }
    }
    Ok(out)
}

/// One address, `<…>` and `mailto:` taken off.
fn parse_one(piece: &str) -> Result<String, String> {
    let piece = piece
        .strip_prefix('<')
        .and_then(|p| p.strip_suffix('>'))
        .unwrap_or(piece);
    let piece = match piece.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("mailto:") => &piece[7..],
        _ => piece,
    };
    let (local, domain) = match piece.split_once('@') {
        None => return Err("нет знака @".into()),
        Some((_, domain)) if domain.contains('@') => return Err("знак @ дважды".into()),
        Some(parts) => parts,
    };
    check_local(local)?;
    let domain = check_domain(domain)?;
    Ok(format!("{local}@{domain}"))
}

/// The part before `@`: ASCII letters, digits and the few signs mail allows, dots only
/// between them.
fn check_local(local: &str) -> Result<(), String> {
    if local.is_empty() {
        return Err("нет имени до @".into());
    }
    if local.len() > 64 {
        return Err("имя до @ длиннее 64 знаков".into());
    }
    if let Some(c) = local
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(*c)))
    {
        return Err(format!("недопустимый знак {} в имени до @", show(c)));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err("точка в начале или в конце имени до @ или две точки подряд".into());
    }
    Ok(())
}

/// The part after `@`: at least two labels of letters (Cyrillic ones too, as in .рф), digits
/// and inner hyphens; the last is not a number.
fn check_domain(domain: &str) -> Result<String, String> {
    let domain = domain.to_lowercase();
    if domain.is_empty() {
        return Err("нет домена после @".into());
    }
    if domain.len() > 253 {
        return Err("домен длиннее 253 знаков".into());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(format!("в домене «{domain}» нет точки"));
    }
    for label in &labels {
        if label.is_empty() {
            return Err(format!(
                "в домене «{domain}» точка в начале или в конце или две точки подряд"
            ));
        }
        if let Some(c) = label.chars().find(|c| !(c.is_alphanumeric() || *c == '-')) {
            return Err(format!("недопустимый знак {} в домене", show(c)));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("дефис в начале или в конце части домена «{label}»"));
        }
        if label.chars().count() > 63 {
            return Err(format!("часть домена «{label}» длиннее 63 знаков"));
        }
    }
    let last = labels[labels.len() - 1];
    if last.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("домен «{domain}» кончается числом"));
    }
    // Latin and Cyrillic letters in one label is a typo (a Cyrillic «о» in «mail.ru»), not a
    // name: a real domain is one script or the other.
    for label in &labels {
        let cyrillic = label.chars().any(is_cyrillic);
        let latin = label.chars().any(|c| c.is_ascii_alphabetic());
        if cyrillic && latin {
            return Err(format!(
                "в части домена «{label}» смешаны латинские и русские буквы"
            ));
        }
    }
    Ok(domain)
}

fn is_cyrillic(c: char) -> bool {
    ('\u{0400}'..='\u{04FF}').contains(&c)
}

/// A character as a message names it: «ё», or «пробел».
fn show(c: char) -> String {
    if c.is_whitespace() {
        "«пробел»".into()
    } else if is_cyrillic(c) {
        format!("«{c}» (русская буква)")
    } else {
        format!("«{c}»")
    }
}

/// What became of one attempt to e-mail a school its notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeliveryResult {
    /// The server accepted the message.
    Sent,
    /// The server refused it, or could not be reached; the next run tries again.
    Failed,
    /// The registry gives the school no address; the next run looks again.
    NoAddress,
}

impl DeliveryResult {
    pub const ALL: [DeliveryResult; 3] = [
        DeliveryResult::Sent,
        DeliveryResult::Failed,
        DeliveryResult::NoAddress,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DeliveryResult::Sent => "sent",
            DeliveryResult::Failed => "failed",
            DeliveryResult::NoAddress => "no_address",
        }
    }

    pub fn from_code(code: &str) -> Option<DeliveryResult> {
        DeliveryResult::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            DeliveryResult::Sent => "отправлено",
            DeliveryResult::Failed => "не отправлено",
            DeliveryResult::NoAddress => "нет адреса",
        }
    }
}

/// What a logged message was: the notice itself, or a reminder to reply to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MailKind {
    Notice,
    Reminder,
}

impl MailKind {
    pub const ALL: [MailKind; 2] = [MailKind::Notice, MailKind::Reminder];

    pub fn code(self) -> &'static str {
        match self {
            MailKind::Notice => "notice",
            MailKind::Reminder => "reminder",
        }
    }

    pub fn from_code(code: &str) -> Option<MailKind> {
        MailKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            MailKind::Notice => "уведомление",
            MailKind::Reminder => "напоминание",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_as_registries_write_them() {
        assert_eq!(
            parse_addresses("school1@mail.ru"),
            Ok(vec!["school1@mail.ru".into()])
        );
        assert_eq!(
            parse_addresses(" Sch.One+uo@Mail.RU ; b@шк.рф,  mailto:c@x-y.ru\n<d@e.org>"),
            Ok(vec![
                "Sch.One+uo@mail.ru".into(),
                "b@шк.рф".into(),
                "c@x-y.ru".into(),
                "d@e.org".into()
            ])
        );
        // The same address twice, whatever the case of its domain, is one.
        assert_eq!(parse_addresses("a@b.ru; a@B.RU").unwrap().len(), 1);
        for none in ["", "  ", "-", "—", "нет", "Нет"] {
            assert_eq!(parse_addresses(none), Ok(vec![]), "{none:?}");
        }
    }

    #[test]
    fn typos_are_named() {
        let err = |text: &str| parse_addresses(text).unwrap_err();
        assert!(err("school.mail.ru").contains("нет знака @"));
        assert!(err("a@b@c.ru").contains("@ дважды"));
        assert!(err("@mail.ru").contains("нет имени"));
        assert!(err("a@").contains("нет домена"));
        assert!(err("a@mail").contains("нет точки"));
        assert!(err("a@mail..ru").contains("две точки"));
        assert!(err(".a@mail.ru").contains("точка в начале"));
        assert!(err("a..b@mail.ru").contains("две точки"));
        assert!(err("a@-mail.ru").contains("дефис"));
        assert!(err("a@10.0.0.1").contains("числом"));
        assert!(err("a@mail_ru.ru").contains("«_»"));
        // A Cyrillic «с» typed for a Latin «c»: before @ and in the domain.
        assert!(err("s\u{0441}hool@mail.ru").contains("русская буква"));
        assert!(err("school@m\u{0430}il.ru").contains("смешаны"));
        // The piece that is wrong is quoted, among good ones.
        assert!(err("a@b.ru; плохой").starts_with("«плохой»"));
        assert!(err(&format!("{}@b.ru", "x".repeat(65))).contains("64"));
    }

    #[test]
    fn results_have_codes_and_titles() {
        for result in DeliveryResult::ALL {
            assert_eq!(DeliveryResult::from_code(result.code()), Some(result));
            assert!(!result.title_ru().is_empty());
        }
        assert_eq!(DeliveryResult::from_code("bounced"), None);
    }
}
