//! A school's notice as an e-mail message.

use jiff::civil::Date;
use lettre::Message;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use tsos_domain::format_date_ru;
use tsos_letter::LetterSettings;

use crate::MailError;

pub const PDF: &str = "application/pdf";
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// What a notice's message says and carries.
pub struct NoticeMail<'a> {
    /// Who writes and signs: the letter's requisites.
    pub settings: &'a LetterSettings,
    pub letter_number: &'a str,
    pub letter_date: Date,
    /// The date of the figures.
    pub as_of: Date,
    pub deadline: Date,
    /// The school's ИНН: names the `.eml` of a dry run.
    pub school_id: &'a str,
    pub school_name: &'a str,
    /// The addresses, `, `-separated, as the store keeps them.
    pub to: &'a str,
    pub pdf: &'a [u8],
    pub docx: &'a [u8],
}

/// A message ready to leave.
#[derive(Clone, Debug)]
pub struct Mail {
    /// The school's ИНН.
    pub key: String,
    /// The addresses it goes to, `, `-separated.
    pub to: String,
    pub message: Message,
}

impl Mail {
    /// The message as it goes over the wire: what a `.eml` file holds.
    pub fn eml(&self) -> Vec<u8> {
        self.message.formatted()
    }
}

/// «Уведомление о результатах мониторинга ЦОС от 12.10.2023»: the letter's date.
pub fn subject(letter_date: Date) -> String {
    format!(
        "Уведомление о результатах мониторинга ЦОС от {}",
        format_date_ru(letter_date)
    )
}

/// «Уведомление_№01-12-5_от_12.10.2023.pdf»: what the school sees, rather than an ИНН.
pub fn attachment_name(letter_number: &str, letter_date: Date, extension: &str) -> String {
    format!(
        "Уведомление_№{}_от_{}.{extension}",
        letter_number.replace(['/', '\\'], "-"),
        format_date_ru(letter_date)
    )
}

/// The short plain text around the attachments; the notice itself says the figures.
pub fn body(mail: &NoticeMail<'_>) -> String {
    let settings = mail.settings;
    let mut text = format!(
        "Уважаемый руководитель!\n\n\
         {authority} направляет уведомление о результатах мониторинга использования сервисов \
         цифровой образовательной среды по состоянию на {as_of} для {school} \
         (письмо № {number} от {date}).\n\n\
         Уведомление приложено к этому письму в форматах PDF и DOCX. Просим ознакомиться с ним \
         и принять меры в срок до {deadline}.\n\n\
         {position}\n{name}\n",
        authority = settings.authority,
        as_of = format_date_ru(mail.as_of),
        school = mail.school_name,
        number = mail.letter_number,
        date = format_date_ru(mail.letter_date),
        deadline = format_date_ru(mail.deadline),
        position = settings.signatory_position,
        name = settings.signatory_name,
    );
    if let Some(executor) = &settings.executor {
        text.push_str(executor);
        text.push('\n');
    }
    text.push_str("\nПисьмо сформировано системой «Мониторинг ЦОС».\n");
    text
}

/// Who the messages are from: checked once, before any is built.
#[derive(Clone, Debug)]
pub struct Sender(Mailbox);

impl Sender {
    /// «uo@example.ru» or «Управление образования <uo@example.ru>».
    pub fn parse(from: &str) -> Result<Sender, MailError> {
        from.trim()
            .parse()
            .map(Sender)
            .map_err(|err| MailError::BadFrom {
                from: from.to_string(),
                detail: err_text(err),
            })
    }
}

/// The message from `from`. A recipient that is no address is an error of this one message.
pub fn build(from: &Sender, mail: &NoticeMail<'_>) -> Result<Mail, MailError> {
    let builder = addressed(from, subject(mail.letter_date), mail.to)?;
    let attach = |bytes: &[u8], extension: &str, content_type: &str| {
        let name = attachment_name(mail.letter_number, mail.letter_date, extension);
        ContentType::parse(content_type)
            .map(|kind| Attachment::new(name).body(bytes.to_vec(), kind))
            .map_err(|err| MailError::Build(err.to_string()))
    };
    let parts = MultiPart::mixed()
        .singlepart(text_part(body(mail)))
        .singlepart(attach(mail.pdf, "pdf", PDF)?)
        .singlepart(attach(mail.docx, "docx", DOCX)?);
    finished(builder.multipart(parts), mail.school_id, mail.to)
}

/// A message from `from` with `subject` to every address of `to` (separated by commas).
fn addressed(
    from: &Sender,
    subject: String,
    to: &str,
) -> Result<lettre::message::MessageBuilder, MailError> {
    let mut builder = Message::builder()
        .from(from.0.clone())
        .subject(subject)
        .message_id(None);
    for address in to.split(',').map(str::trim).filter(|a| !a.is_empty()) {
        let mailbox: Mailbox = address.parse().map_err(|err| MailError::BadAddress {
            address: address.to_string(),
            detail: err_text(err),
        })?;
        builder = builder.to(mailbox);
    }
    Ok(builder)
}

/// The text of a message. Cyrillic in quoted-printable takes three times its bytes, in base64
/// four thirds.
fn text_part(text: String) -> SinglePart {
    SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .header(ContentTransferEncoding::Base64)
        .body(text)
}

/// The built message for school `school_id`, or why it could not be built: a message with no
/// recipient is an error of its addresses.
fn finished(
    message: Result<Message, lettre::error::Error>,
    school_id: &str,
    to: &str,
) -> Result<Mail, MailError> {
    let message = message.map_err(|err| match err {
        lettre::error::Error::MissingTo => MailError::BadAddress {
            address: to.to_string(),
            detail: "нет ни одного адреса".into(),
        },
        other => MailError::Build(other.to_string()),
    })?;
    Ok(Mail {
        key: school_id.to_string(),
        to: to.to_string(),
        message,
    })
}

/// What a reminder to reply to a notice says: no attachment, the notice has been sent.
pub struct ReminderMail<'a> {
    pub settings: &'a LetterSettings,
    pub letter_number: &'a str,
    pub letter_date: Date,
    pub deadline: Date,
    pub school_id: &'a str,
    pub school_name: &'a str,
    pub to: &'a str,
    /// The indicators still without an accepted reply: «ФГИС «Моя школа», педагоги».
    pub indicators: &'a [String],
}

/// «Напоминание: ответ на уведомление о результатах мониторинга ЦОС от 12.10.2023».
pub fn reminder_subject(letter_date: Date) -> String {
    format!(
        "Напоминание: ответ на уведомление о результатах мониторинга ЦОС от {}",
        format_date_ru(letter_date)
    )
}

/// The reminder's text: which indicators wait for a reply, where and by when to give it.
pub fn reminder_body(mail: &ReminderMail<'_>) -> String {
    let settings = mail.settings;
    let mut text = format!(
        "Уважаемый руководитель!\n\n\
         {authority} напоминает: {school} не дала ответа на уведомление о результатах \
         мониторинга ЦОС (письмо № {number} от {date}) по показателям:\n",
        authority = settings.authority,
        school = mail.school_name,
        number = mail.letter_number,
        date = format_date_ru(mail.letter_date),
    );
    for indicator in mail.indicators {
        text.push_str(&format!("  — {indicator};\n"));
    }
    text.push_str(&format!(
        "\nПросим до {deadline} дать ответ в системе «Мониторинг ЦОС» (раздел «Уведомления»): \
         причину, принимаемые меры и срок достижения целевого значения.\n\n{position}\n{name}\n",
        deadline = format_date_ru(mail.deadline),
        position = settings.signatory_position,
        name = settings.signatory_name,
    ));
    text.push_str("\nПисьмо сформировано системой «Мониторинг ЦОС».\n");
    text
}

/// The reminder from `from`: a plain text message.
pub fn build_reminder(from: &Sender, mail: &ReminderMail<'_>) -> Result<Mail, MailError> {
    let builder = addressed(from, reminder_subject(mail.letter_date), mail.to)?;
    finished(
        builder.singlepart(text_part(reminder_body(mail))),
        mail.school_id,
        mail.to,
    )
}

/// lettre's reason an address is wrong, in Russian where it is one of the usual ones.
fn err_text(err: lettre::address::AddressError) -> String {
    use lettre::address::AddressError;
    match err {
        AddressError::MissingParts => "нет знака @".into(),
        AddressError::Unbalanced => "непарные угловые скобки".into(),
        AddressError::InvalidUser => "недопустимое имя до @".into(),
        AddressError::InvalidDomain => "недопустимый домен".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use jiff::civil::date;

    use super::*;

    fn settings() -> LetterSettings {
        LetterSettings::from_toml(
            "authority = \"МКУ «Управление образования»\"\nsignatory_name = \"А. А. Алиев\"\nexecutor = \"Исп. Магомедова З. А.\"\n",
        )
        .unwrap()
    }

    fn notice<'a>(settings: &'a LetterSettings, to: &'a str) -> NoticeMail<'a> {
        NoticeMail {
            settings,
            letter_number: "01-12/5",
            letter_date: date(2023, 10, 12),
            as_of: date(2023, 10, 1),
            deadline: date(2023, 10, 20),
            school_id: "0500000001",
            school_name: "МБОУ «СОШ №1»",
            to,
            pdf: b"%PDF-1.7 \x00\xff binary",
            docx: b"PK\x03\x04 \x80\x81",
        }
    }

    /// The unfolded value of header `name` in a formatted message.
    fn header(eml: &str, name: &str) -> String {
        let mut value = None::<String>;
        for line in eml.split("\r\n") {
            if line.is_empty() {
                break;
            }
            match &mut value {
                Some(v) if line.starts_with([' ', '\t']) => v.push_str(line),
                Some(_) => break,
                None => {
                    if let Some(rest) = line.strip_prefix(&format!("{name}: ")) {
                        value = Some(rest.to_string());
                    }
                }
            }
        }
        value.unwrap_or_else(|| panic!("no {name} in\n{eml}"))
    }

    /// Decodes RFC 2047 `=?utf-8?b?…?=` words as a mail reader does: the space between two
    /// encoded words is dropped, that beside plain text kept.
    fn decode_words(value: &str) -> String {
        let mut out = Vec::new();
        let mut last_encoded = false;
        for (idx, word) in value.split_whitespace().enumerate() {
            let encoded = word
                .strip_prefix("=?utf-8?b?")
                .and_then(|w| w.strip_suffix("?="));
            if idx > 0 && !(last_encoded && encoded.is_some()) {
                out.push(b' ');
            }
            match encoded {
                Some(inner) => out.extend(
                    base64::engine::general_purpose::STANDARD
                        .decode(inner)
                        .unwrap(),
                ),
                None => out.extend(word.as_bytes()),
            }
            last_encoded = encoded.is_some();
        }
        String::from_utf8(out).unwrap()
    }

    /// The decoded body of the part whose headers contain `marker`.
    fn part(eml: &str, marker: &str) -> Vec<u8> {
        let start = eml.find(marker).unwrap_or_else(|| panic!("no {marker}"));
        let rest = &eml[start..];
        let body_start = rest.find("\r\n\r\n").unwrap() + 4;
        let body_end = rest[body_start..].find("\r\n--").unwrap() + body_start;
        let b64: String = rest[body_start..body_end]
            .split("\r\n")
            .collect::<Vec<_>>()
            .concat();
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap()
    }

    #[test]
    fn subject_and_attachment_names() {
        assert_eq!(
            subject(date(2023, 10, 12)),
            "Уведомление о результатах мониторинга ЦОС от 12.10.2023"
        );
        assert_eq!(
            attachment_name("01-12/5", date(2023, 10, 12), "pdf"),
            "Уведомление_№01-12-5_от_12.10.2023.pdf"
        );
    }

    #[test]
    fn a_message_carries_the_subject_the_text_and_both_files() {
        let settings = settings();
        let input = notice(&settings, "a@school.ru, b@school.ru");
        let from = Sender::parse("Управление образования <uo@example.ru>").unwrap();
        let mail = build(&from, &input).unwrap();
        assert_eq!(mail.key, "0500000001");
        let eml = String::from_utf8(mail.eml()).unwrap();
        // Headers are ASCII: the Cyrillic subject and sender name are encoded words.
        let subject_value = header(&eml, "Subject");
        assert!(subject_value.is_ascii(), "{subject_value}");
        assert_eq!(
            decode_words(&subject_value),
            "Уведомление о результатах мониторинга ЦОС от 12.10.2023"
        );
        assert!(header(&eml, "From").ends_with("<uo@example.ru>"));
        assert_eq!(header(&eml, "To"), "a@school.ru, b@school.ru");
        assert!(header(&eml, "Message-ID").contains('@'));
        let envelope: Vec<String> = mail
            .message
            .envelope()
            .to()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(envelope, ["a@school.ru", "b@school.ru"]);

        let text = String::from_utf8(part(&eml, "Content-Type: text/plain")).unwrap();
        assert!(text.starts_with("Уважаемый руководитель!"), "{text}");
        assert!(
            text.contains("МКУ «Управление образования» направляет"),
            "{text}"
        );
        assert!(
            text.contains("для МБОУ «СОШ №1» (письмо № 01-12/5 от 12.10.2023)"),
            "{text}"
        );
        assert!(text.contains("в срок до 20.10.2023"), "{text}");
        assert!(text.contains("Исп. Магомедова З. А."), "{text}");

        assert_eq!(part(&eml, "Content-Type: application/pdf"), input.pdf);
        assert_eq!(part(&eml, &format!("Content-Type: {DOCX}")), input.docx);
        // The Cyrillic file names are RFC 2231 parameters.
        assert!(eml.contains("filename*"), "{eml}");
    }

    #[test]
    fn wrong_addresses_are_named() {
        let settings = settings();
        let err = Sender::parse("не адрес").unwrap_err();
        assert!(matches!(err, MailError::BadFrom { .. }), "{err}");
        assert!(err.to_string().contains("«не адрес»"), "{err}");
        let from = Sender::parse("uo@example.ru").unwrap();
        let err = build(&from, &notice(&settings, "a@school.ru, плохой")).unwrap_err();
        assert!(err.to_string().contains("«плохой»"), "{err}");
        let err = build(&from, &notice(&settings, "")).unwrap_err();
        assert!(err.to_string().contains("нет ни одного адреса"), "{err}");
    }
}
