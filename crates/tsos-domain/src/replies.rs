//! A school's reply to a notice («ответ школы», issue 16): per indicator a letter named, why
//! the target was missed, what the school will do and by when; the authority accepts it or
//! returns it with a comment, and the school replies again. Here are the closed sets, the
//! state machine and the checks of a reply and of its attached file; storing them and the
//! dates they are made on are for the crates above.

use jiff::civil::Date;

use crate::dates::format_date_ru;

/// Why a school says it missed the target: the closed list the notice offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReplyReason {
    Technical,
    NoAccounts,
    WrongExport,
    Other,
}

impl ReplyReason {
    pub const ALL: [ReplyReason; 4] = [
        ReplyReason::Technical,
        ReplyReason::NoAccounts,
        ReplyReason::WrongExport,
        ReplyReason::Other,
    ];

    /// As stored and sent in forms.
    pub fn code(self) -> &'static str {
        match self {
            ReplyReason::Technical => "technical",
            ReplyReason::NoAccounts => "no_accounts",
            ReplyReason::WrongExport => "wrong_export",
            ReplyReason::Other => "other",
        }
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            ReplyReason::Technical => "технические проблемы",
            ReplyReason::NoAccounts => "нет учетных записей у части работников",
            ReplyReason::WrongExport => "данные выгрузки неверны",
            ReplyReason::Other => "иное",
        }
    }

    pub fn from_code(code: &str) -> Option<ReplyReason> {
        ReplyReason::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// Where a named indicator's replies stand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReplyState {
    NoReply,
    Replied,
    Accepted,
    Returned,
}

impl ReplyState {
    pub const ALL: [ReplyState; 4] = [
        ReplyState::NoReply,
        ReplyState::Replied,
        ReplyState::Accepted,
        ReplyState::Returned,
    ];

    /// As in JSON and in the filter of the review page.
    pub fn code(self) -> &'static str {
        match self {
            ReplyState::NoReply => "no_reply",
            ReplyState::Replied => "replied",
            ReplyState::Accepted => "accepted",
            ReplyState::Returned => "returned",
        }
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            ReplyState::NoReply => "нет ответа",
            ReplyState::Replied => "ответ дан",
            ReplyState::Accepted => "принят",
            ReplyState::Returned => "возвращен",
        }
    }

    pub fn from_code(code: &str) -> Option<ReplyState> {
        ReplyState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The state of a thread whose latest reply has the reviews `latest_reviews` (oldest
    /// first), or of a thread with no reply at all.
    pub fn of(has_reply: bool, latest_reviews: &[ReviewDecision]) -> ReplyState {
        match (has_reply, latest_reviews.last()) {
            (false, _) => ReplyState::NoReply,
            (true, None) => ReplyState::Replied,
            (true, Some(ReviewDecision::Accept)) => ReplyState::Accepted,
            (true, Some(ReviewDecision::Return)) => ReplyState::Returned,
        }
    }

    /// Whether the school may reply now: first, again after a return, or again before
    /// anyone has reviewed (the earlier reply stays in the history). An accepted reply is
    /// the last word.
    pub fn may_reply(self) -> bool {
        self != ReplyState::Accepted
    }

    /// Whether the authority may review now: only a reply nobody has reviewed yet.
    pub fn may_review(self) -> bool {
        self == ReplyState::Replied
    }
}

/// What the authority decides about a reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReviewDecision {
    Accept,
    Return,
}

impl ReviewDecision {
    pub const ALL: [ReviewDecision; 2] = [ReviewDecision::Accept, ReviewDecision::Return];

    /// As stored and sent in forms.
    pub fn code(self) -> &'static str {
        match self {
            ReviewDecision::Accept => "accept",
            ReviewDecision::Return => "return",
        }
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            ReviewDecision::Accept => "принят",
            ReviewDecision::Return => "возвращен на доработку",
        }
    }

    pub fn from_code(code: &str) -> Option<ReviewDecision> {
        ReviewDecision::ALL.into_iter().find(|d| d.code() == code)
    }
}

/// The longest text of a reply's field, in characters: a page of a letter, not a file.
pub const MAX_REPLY_TEXT: usize = 4000;

/// What a school replies about one named indicator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeReply {
    pub reason: ReplyReason,
    /// What happened, in the school's words.
    pub text: String,
    /// The measures planned.
    pub measures: String,
    /// The day by which the school expects to meet the target.
    pub expected_by: Date,
}

impl NoticeReply {
    /// The reply, trimmed, if it may be sent on `today`; else why not, in Russian.
    pub fn checked(mut self, today: Date) -> Result<NoticeReply, String> {
        self.text = self.text.trim().to_string();
        self.measures = self.measures.trim().to_string();
        if self.text.is_empty() {
            return Err(format!(
                "опишите причину «{}» своими словами",
                self.reason.title_ru()
            ));
        }
        if self.measures.is_empty() {
            return Err("укажите принимаемые меры".to_string());
        }
        for (what, text) in [("причина", &self.text), ("меры", &self.measures)] {
            if text.chars().count() > MAX_REPLY_TEXT {
                return Err(format!(
                    "поле «{what}» длиннее {MAX_REPLY_TEXT} знаков; приложите подробности файлом"
                ));
            }
        }
        if self.expected_by < today {
            return Err(format!(
                "срок достижения цели {} уже прошел",
                format_date_ru(self.expected_by)
            ));
        }
        Ok(self)
    }
}

/// The review comment, trimmed, if the decision may be sent with it: a return says what to
/// change.
pub fn checked_comment(decision: ReviewDecision, comment: &str) -> Result<String, String> {
    let comment = comment.trim();
    if decision == ReviewDecision::Return && comment.is_empty() {
        return Err("напишите школе, что исправить в ответе".to_string());
    }
    if comment.chars().count() > MAX_REPLY_TEXT {
        return Err(format!("комментарий длиннее {MAX_REPLY_TEXT} знаков"));
    }
    Ok(comment.to_string())
}

/// The largest file a reply may carry.
pub const MAX_ATTACHMENT_BYTES: usize = 5 << 20;

/// The kinds of file a reply may carry, told by content, never by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttachmentKind {
    Pdf,
    Docx,
    Xlsx,
    Png,
    Jpeg,
}

impl AttachmentKind {
    pub const ALL: [AttachmentKind; 5] = [
        AttachmentKind::Pdf,
        AttachmentKind::Docx,
        AttachmentKind::Xlsx,
        AttachmentKind::Png,
        AttachmentKind::Jpeg,
    ];

    /// As stored.
    pub fn code(self) -> &'static str {
        match self {
            AttachmentKind::Pdf => "pdf",
            AttachmentKind::Docx => "docx",
            AttachmentKind::Xlsx => "xlsx",
            AttachmentKind::Png => "png",
            AttachmentKind::Jpeg => "jpeg",
        }
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            AttachmentKind::Pdf => "документ PDF",
            AttachmentKind::Docx => "документ Word",
            AttachmentKind::Xlsx => "таблица Excel",
            AttachmentKind::Png => "изображение PNG",
            AttachmentKind::Jpeg => "изображение JPEG",
        }
    }

    pub fn from_code(code: &str) -> Option<AttachmentKind> {
        AttachmentKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The media type the file is served with.
    pub fn mime(self) -> &'static str {
        match self {
            AttachmentKind::Pdf => "application/pdf",
            AttachmentKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            AttachmentKind::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            AttachmentKind::Png => "image/png",
            AttachmentKind::Jpeg => "image/jpeg",
        }
    }

    /// The extension the file is saved with, whatever name it came under.
    pub fn extension(self) -> &'static str {
        match self {
            AttachmentKind::Jpeg => "jpg",
            other => other.code(),
        }
    }

    /// What `bytes` are, by their signature; for an Office file (a ZIP), by the part every
    /// document of the kind has, whose name a ZIP keeps uncompressed in its directory.
    pub fn sniff(bytes: &[u8]) -> Option<AttachmentKind> {
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        if bytes.starts_with(b"%PDF-") {
            Some(AttachmentKind::Pdf)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(AttachmentKind::Png)
        } else if bytes.starts_with(b"\xff\xd8\xff") {
            Some(AttachmentKind::Jpeg)
        } else if bytes.starts_with(b"PK\x03\x04") && has(b"[Content_Types].xml") {
            if has(b"word/document.xml") {
                Some(AttachmentKind::Docx)
            } else if has(b"xl/workbook.xml") {
                Some(AttachmentKind::Xlsx)
            } else {
                None
            }
        } else {
            None
        }
    }

    /// The kind of an uploaded file, or why it is refused, in Russian.
    pub fn of_upload(bytes: &[u8]) -> Result<AttachmentKind, String> {
        if bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(format!(
                "файл больше {} МБ; сожмите его или приложите выдержку",
                MAX_ATTACHMENT_BYTES >> 20
            ));
        }
        AttachmentKind::sniff(bytes).ok_or_else(|| {
            "к ответу можно приложить PDF, DOCX, XLSX, PNG или JPEG; содержимое файла не \
             похоже ни на один из них"
                .to_string()
        })
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn codes_go_both_ways() {
        for reason in ReplyReason::ALL {
            assert_eq!(ReplyReason::from_code(reason.code()), Some(reason));
        }
        for state in ReplyState::ALL {
            assert_eq!(ReplyState::from_code(state.code()), Some(state));
        }
        for decision in ReviewDecision::ALL {
            assert_eq!(ReviewDecision::from_code(decision.code()), Some(decision));
        }
        for kind in AttachmentKind::ALL {
            assert_eq!(AttachmentKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(ReplyReason::from_code("иное"), None);
    }

    #[test]
    fn the_state_follows_the_latest_reply_and_its_last_review() {
        use ReviewDecision::*;
        assert_eq!(ReplyState::of(false, &[]), ReplyState::NoReply);
        assert_eq!(ReplyState::of(true, &[]), ReplyState::Replied);
        assert_eq!(ReplyState::of(true, &[Return]), ReplyState::Returned);
        assert_eq!(
            ReplyState::of(true, &[Return, Accept]),
            ReplyState::Accepted
        );
        // Who may act in each state: the school until it is accepted, the authority only on
        // a reply it has not reviewed.
        let may: Vec<(bool, bool)> = ReplyState::ALL
            .iter()
            .map(|s| (s.may_reply(), s.may_review()))
            .collect();
        assert_eq!(
            may,
            [(true, false), (true, true), (false, false), (true, false)]
        );
    }

    fn reply(text: &str, measures: &str, expected_by: Date) -> NoticeReply {
        NoticeReply {
            reason: ReplyReason::Other,
            text: text.to_string(),
            measures: measures.to_string(),
            expected_by,
        }
    }

    #[test]
    fn a_reply_says_why_what_and_when() {
        let today = date(2023, 10, 15);
        let ok = reply("  сбой  ", " обучим ", today).checked(today).unwrap();
        assert_eq!((ok.text.as_str(), ok.measures.as_str()), ("сбой", "обучим"));
        assert_eq!(
            reply(" ", "обучим", today).checked(today).unwrap_err(),
            "опишите причину «иное» своими словами"
        );
        assert_eq!(
            reply("сбой", "", today).checked(today).unwrap_err(),
            "укажите принимаемые меры"
        );
        assert_eq!(
            reply("сбой", "обучим", date(2023, 10, 14))
                .checked(today)
                .unwrap_err(),
            "срок достижения цели 14.10.2023 уже прошел"
        );
        let long = "я".repeat(MAX_REPLY_TEXT + 1);
        assert!(reply(&long, "обучим", today).checked(today).is_err());
        assert!(
            reply(&"я".repeat(MAX_REPLY_TEXT), "обучим", today)
                .checked(today)
                .is_ok()
        );
    }

    #[test]
    fn a_return_says_what_to_change() {
        assert!(checked_comment(ReviewDecision::Return, "  ").is_err());
        assert_eq!(
            checked_comment(ReviewDecision::Return, " уточните сроки ").unwrap(),
            "уточните сроки"
        );
        assert_eq!(checked_comment(ReviewDecision::Accept, "").unwrap(), "");
    }

    #[test]
    fn files_are_told_by_content() {
        let zip = |part: &str| {
            let mut bytes = b"PK\x03\x04\x14\x00\x00\x00[Content_Types].xml".to_vec();
            bytes.extend_from_slice(b"PK\x01\x02");
            bytes.extend_from_slice(part.as_bytes());
            bytes
        };
        assert_eq!(
            AttachmentKind::sniff(b"%PDF-1.7\n"),
            Some(AttachmentKind::Pdf)
        );
        assert_eq!(
            AttachmentKind::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(AttachmentKind::Png)
        );
        assert_eq!(
            AttachmentKind::sniff(b"\xff\xd8\xff\xe0\0\x10JFIF"),
            Some(AttachmentKind::Jpeg)
        );
        assert_eq!(
            AttachmentKind::sniff(&zip("word/document.xml")),
            Some(AttachmentKind::Docx)
        );
        assert_eq!(
            AttachmentKind::sniff(&zip("xl/workbook.xml")),
            Some(AttachmentKind::Xlsx)
        );
        // A ZIP that is no Office document, an executable named .pdf, a PDF signature that
        // is not at the start, an empty file.
        for bytes in [&zip("payload.exe")[..], b"MZ\x90\0%PDF-", b" %PDF-1.7", b""] {
            assert_eq!(AttachmentKind::sniff(bytes), None, "{bytes:?}");
        }
        assert!(AttachmentKind::of_upload(&vec![b'%'; MAX_ATTACHMENT_BYTES + 1]).is_err());
        assert!(AttachmentKind::of_upload(b"<html>").is_err());
    }
}
