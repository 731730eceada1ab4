//! Mutations of seed files, as proptest strategies: each case is a seed and a short list of
//! edits, so that a failing case shrinks to the fewest and smallest edits that still fail.
//!
//! Text files get byte flips, bytes CSV gives a meaning to (quotes, delimiters, line ends,
//! NUL, bytes no encoding has), long runs, cuts, lines repeated, swapped and removed, and
//! fields replaced by words tsos knows or values it must refuse. Packages are unzipped, their
//! XML edited where it holds numbers tsos or calamine believe (cell references, counts,
//! shared string indices, repeats, types) and zipped again; then, and for XLS, raw bytes.

use std::fmt;
use std::io::{Cursor, Read, Write};

use encoding_rs::Encoding;
use proptest::prelude::*;
use proptest::sample::{Index, select};

/// A piece of bytes put into a file.
#[derive(Clone, Copy)]
pub struct Token(pub &'static [u8]);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"{}\"", self.0.escape_ascii())
    }
}

/// Bytes that CSV or XML give a meaning to, and bytes no text should have.
const TOKENS: &[Token] = &[
    Token(b"\""),
    Token(b";"),
    Token(b","),
    Token(b"\t"),
    Token(b"\r"),
    Token(b"\n"),
    Token(b"\r\n"),
    Token(b"\0"),
    Token(b"\xff"),
    Token(b"\xd0"),
    Token(b"\xef\xbb\xbf"),
    Token(b"\"\""),
    Token(b"\";\""),
    Token(b" "),
    Token(b"\xc2\xa0"),
    Token(b"<"),
    Token(b"&"),
    Token(b"\x1a"),
    Token(b"\xff\xfe"),
];

/// Words put in place of a field: the header words tsos knows, values of every kind, and
/// values it must refuse.
pub const WORDS: &[&str] = &[
    "ИНН",
    "ИНН ОО",
    "Код ОО",
    "Роль",
    "Тип пользователя",
    "Подтвержденная УЗ",
    "Статус УЗ",
    "Не подтвержденные ученики",
    "Дата последней авторизации",
    "ID",
    "Идентификатор организации",
    "ФИО",
    "Наименование ОО",
    "Муниципальное образование",
    "Субъект РФ",
    "Численность обучающихся",
    "Количество активных педагогов",
    "Доля активных учителей, %",
    "Всего учеников",
    "Подтвержденные родители",
    "Зарегистрированные учителя",
    "Итого",
    "Всего:",
    "по состоянию на 01.10.2023",
    "на 1 сентября 2023 г.",
    "на 31.02.2023",
    "на",
    "Учитель",
    "Обучающийся",
    "Родитель",
    "Администратор",
    "Да",
    "Нет",
    "APPROVED",
    "",
    " ",
    "-",
    "нет",
    "0512345678",
    "512345678",
    "05 1234 5678",
    "000000000000000000000000000000",
    "ШК-7",
    "1e308",
    "-5",
    "NaN",
    "inf",
    "18446744073709551616",
    "81,3 %",
    "150%",
    "0,5",
    "1 234,0",
    "01.10.2023",
    "2023-10-01T10:00:00+03:00",
    "31.02.2023",
    "29.02.2024",
    "00.00.0000",
    "99.99.99999",
    "-32768-01-01",
    "45200",
    "никогда",
    "Сферум",
    "вотсап",
    "классный",
    "5А",
    "Название чата",
    "Платформа",
    "Класс",
    "Обучающихся",
    "Активен",
    "Дата переноса",
    "Заменяет чат",
    "Участников",
];

/// Values put in place of an XML attribute or text: cell references and rows at and past
/// Excel's edges and `u32`, counts, numbers, types, dates, and text that is not XML.
const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "A0",
    "A1",
    "B2",
    "XFD1048576",
    "XFE1",
    "A1048577",
    "A4294967297",
    "FXSHRXX1",
    "ZZZZZZZZZZ1",
    "A99999999999999999999",
    "1048576",
    "1048577",
    "16384",
    "4294967295",
    "4294967296",
    "18446744073709551616",
    "9223372036854775807",
    "-9223372036854775808",
    "1099511627776",
    "100000000",
    "1e308",
    "-1e308",
    "1e-320",
    "NaN",
    "inf",
    "-0",
    "45200.5",
    "2958466",
    "0.5",
    "s",
    "n",
    "b",
    "e",
    "str",
    "inlineStr",
    "d",
    "string",
    "float",
    "date",
    "time",
    "boolean",
    "percentage",
    "currency",
    "2023-10-01",
    "2023-10-01T10:00:00",
    "2023-13-45T25:61:61",
    "-2023-10-01",
    "PT1H",
    "P1Y2M3DT4H5M6S",
    "ИНН",
    "Роль",
    "Учитель",
    "Да",
    "",
    "x",
    "&amp;",
    "&#0;",
    "&#xD800;",
    "&#1114112;",
    "&bogus;",
    "]]>",
    "<",
    "\"",
    "Лист1",
    "Классы",
    "A1:XFD1048576",
];

#[derive(Clone, Debug)]
pub enum Edit {
    Flip {
        at: Index,
        bit: u8,
    },
    Insert {
        at: Index,
        token: Token,
    },
    /// A run of one byte: up to a field over 64 KB or a line over 1 MB.
    Run {
        at: Index,
        byte: u8,
        len: usize,
    },
    Delete {
        at: Index,
        len: usize,
    },
    Truncate {
        at: Index,
    },
    /// A little-endian number written over the bytes at `at`: the sizes, offsets and counts
    /// of ZIP headers and compound files.
    Patch {
        at: Index,
        value: u32,
        width: u8,
    },
    DuplicateLine {
        line: Index,
        times: u8,
    },
    SwapLines {
        a: Index,
        b: Index,
    },
    DeleteLine {
        line: Index,
    },
    /// The `field`-th run of bytes between delimiters, quotes and line ends, replaced by
    /// `word` in the file's encoding.
    Word {
        field: Index,
        word: &'static str,
    },
}

fn run_len() -> impl Strategy<Value = usize> {
    prop_oneof![
        12 => 1..64usize,
        3 => 64..4096usize,
        // Just over the longest field, and just over the longest line.
        1 => Just(64 * 1024 + 1),
        1 => Just((1 << 20) + 1),
    ]
}

fn patch_value() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(0u32),
        Just(1),
        Just(0xFF),
        Just(0xFFFF),
        Just(0x7FFF_FFFF),
        Just(0xFFFF_FFFE),
        Just(0xFFFF_FFFF),
        any::<u32>(),
    ]
}

pub fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<Index>(), 0..8u8).prop_map(|(at, bit)| Edit::Flip { at, bit }),
        6 => (any::<Index>(), select(TOKENS)).prop_map(|(at, token)| Edit::Insert { at, token }),
        2 => (any::<Index>(), any::<u8>(), run_len())
            .prop_map(|(at, byte, len)| Edit::Run { at, byte, len }),
        2 => (any::<Index>(), 1..64usize).prop_map(|(at, len)| Edit::Delete { at, len }),
        1 => any::<Index>().prop_map(|at| Edit::Truncate { at }),
        1 => (any::<Index>(), patch_value(), prop_oneof![Just(1u8), Just(2), Just(4)])
            .prop_map(|(at, value, width)| Edit::Patch { at, value, width }),
        2 => (any::<Index>(), 1..4u8).prop_map(|(line, times)| Edit::DuplicateLine { line, times }),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapLines { a, b }),
        1 => any::<Index>().prop_map(|line| Edit::DeleteLine { line }),
        5 => (any::<Index>(), select(WORDS)).prop_map(|(field, word)| Edit::Word { field, word }),
    ]
}

/// The lines of `bytes`, each with its `\n`.
fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split_inclusive(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// Applies `edit` to `bytes`, whose text is in `encoding`.
pub fn apply(bytes: &mut Vec<u8>, edit: &Edit, encoding: &'static Encoding) {
    // A position in the file, its end included.
    let at = |index: &Index, bytes: &Vec<u8>| index.index(bytes.len() + 1);
    match edit {
        Edit::Flip { at: index, bit } => {
            if !bytes.is_empty() {
                let at = index.index(bytes.len());
                bytes[at] ^= 1 << bit;
            }
        }
        Edit::Insert { at: index, token } => {
            let at = at(index, bytes);
            bytes.splice(at..at, token.0.iter().copied());
        }
        Edit::Run {
            at: index,
            byte,
            len,
        } => {
            let at = at(index, bytes);
            bytes.splice(at..at, std::iter::repeat_n(*byte, *len));
        }
        Edit::Delete { at: index, len } => {
            let at = at(index, bytes);
            let end = (at + len).min(bytes.len());
            bytes.drain(at..end);
        }
        Edit::Truncate { at: index } => {
            let at = at(index, bytes);
            bytes.truncate(at);
        }
        Edit::Patch {
            at: index,
            value,
            width,
        } => {
            let width = usize::from(*width);
            if bytes.len() >= width {
                let at = index.index(bytes.len() - width + 1);
                bytes[at..at + width].copy_from_slice(&value.to_le_bytes()[..width]);
            }
        }
        Edit::DuplicateLine { line, times } => {
            let mut all = lines(bytes);
            if !all.is_empty() {
                let at = line.index(all.len());
                let mut copy = all[at].clone();
                if copy.last() != Some(&b'\n') {
                    copy.push(b'\n');
                }
                for _ in 0..*times {
                    all.insert(at, copy.clone());
                }
                *bytes = all.concat();
            }
        }
        Edit::SwapLines { a, b } => {
            let mut all = lines(bytes);
            if !all.is_empty() {
                let (a, b) = (a.index(all.len()), b.index(all.len()));
                all.swap(a, b);
                *bytes = all.concat();
            }
        }
        Edit::DeleteLine { line } => {
            let mut all = lines(bytes);
            if !all.is_empty() {
                all.remove(line.index(all.len()));
                *bytes = all.concat();
            }
        }
        Edit::Word { field, word } => {
            let separator = |b: &u8| matches!(b, b';' | b',' | b'\t' | b'\n' | b'\r' | b'"');
            let mut fields = Vec::new();
            let mut start = 0;
            for (idx, b) in bytes.iter().enumerate() {
                if separator(b) {
                    fields.push(start..idx);
                    start = idx + 1;
                }
            }
            fields.push(start..bytes.len());
            let range = field.get(&fields).clone();
            bytes.splice(range, encoding.encode(word).0.iter().copied());
        }
    }
}

/// A case of a text file: a seed, its edits, and how it is read.
#[derive(Clone, Debug)]
pub struct FileCase {
    pub seed: Index,
    pub edits: Vec<Edit>,
    pub read: ReadChoice,
}

/// How the readers are called on a case.
#[derive(Clone, Debug)]
pub struct ReadChoice {
    /// `--as-of`, or the title's date.
    pub as_of: bool,
    /// Which platform a per-user or per-school export is read for.
    pub platform: Index,
    /// The sheet asked for: none, a sheet of the seeds, or one no file has.
    pub sheet: Option<&'static str>,
    /// Meanings a person gives to columns (`--map`), by header words.
    pub mapping: Vec<(&'static str, &'static str)>,
    /// Whether the mapping comes as a saved profile rather than `--map`.
    pub profile: bool,
    /// Another name for the file: a CSV called `.xlsx`, a workbook called `.csv`.
    pub ext: Option<&'static str>,
    /// How many first data rows an import keeps for a preview.
    pub sample: usize,
}

/// The codes `--map` takes, with and without a role.
pub const MEANINGS: &[&str] = &[
    "organisation",
    "role",
    "user_id",
    "confirmed",
    "last_date",
    "registered",
    "confirmed_count",
    "active",
    "share",
    "contingent",
    "name",
    "municipality",
    "region",
    "ignore",
    "active:teachers",
    "share:students",
    "contingent:parents",
    "registered:teachers",
];

pub fn read_choice() -> impl Strategy<Value = ReadChoice> {
    let mapping = prop_oneof![
        6 => Just(Vec::new()),
        1 => prop::collection::vec((select(WORDS), select(MEANINGS)), 1..4),
    ];
    (
        any::<bool>(),
        any::<Index>(),
        prop_oneof![
            8 => Just(None),
            1 => Just(Some("Классы")),
            1 => Just(Some("Лист1")),
            1 => Just(Some("Нет такого листа")),
        ],
        mapping,
        any::<bool>(),
        prop_oneof![
            12 => Just(None),
            1 => Just(Some("csv")),
            1 => Just(Some("xlsx")),
            1 => Just(Some("ods")),
            1 => Just(Some("xls")),
        ],
        prop_oneof![2 => Just(0), 1 => Just(3), 1 => Just(25)],
    )
        .prop_map(
            |(as_of, platform, sheet, mapping, profile, ext, sample)| ReadChoice {
                as_of,
                platform,
                sheet,
                mapping,
                profile,
                ext,
                sample,
            },
        )
}

pub fn file_case() -> impl Strategy<Value = FileCase> {
    (
        any::<Index>(),
        prop::collection::vec(edit(), 0..6),
        read_choice(),
    )
        .prop_map(|(seed, edits, read)| FileCase { seed, edits, read })
}

/// An edit of one part of a package.
#[derive(Clone, Debug)]
pub enum PartEdit {
    /// The `at`-th attribute value or text between tags, replaced by `value`.
    Value {
        at: Index,
        value: &'static str,
    },
    /// The bytes from the `at`-th `<` to the `span`-th `<` after it, written twice: a row,
    /// a cell, a string repeated.
    Duplicate {
        at: Index,
        span: u8,
    },
    /// The same bytes removed.
    Remove {
        at: Index,
        span: u8,
    },
    Bytes(Edit),
}

pub fn part_edit() -> impl Strategy<Value = PartEdit> {
    prop_oneof![
        8 => (any::<Index>(), select(VALUES)).prop_map(|(at, value)| PartEdit::Value { at, value }),
        2 => (any::<Index>(), 1..6u8).prop_map(|(at, span)| PartEdit::Duplicate { at, span }),
        1 => (any::<Index>(), 1..6u8).prop_map(|(at, span)| PartEdit::Remove { at, span }),
        3 => edit().prop_map(PartEdit::Bytes),
    ]
}

/// A case of a workbook: a seed, edits of its parts and of its raw bytes.
#[derive(Clone, Debug)]
pub struct PackageCase {
    pub seed: Index,
    /// (which part, preferring the ones that hold cells, and the edit).
    pub parts: Vec<(bool, Index, PartEdit)>,
    /// Whether the parts are zipped again stored rather than deflated.
    pub stored: bool,
    pub raw: Vec<Edit>,
    pub read: ReadChoice,
}

pub fn package_case() -> impl Strategy<Value = PackageCase> {
    (
        any::<Index>(),
        prop::collection::vec(
            (prop::bool::weighted(0.8), any::<Index>(), part_edit()),
            0..5,
        ),
        prop::bool::weighted(0.3),
        prop_oneof![4 => Just(Vec::new()), 1 => prop::collection::vec(edit(), 1..3)],
        read_choice(),
    )
        .prop_map(|(seed, parts, stored, raw, read)| PackageCase {
            seed,
            parts,
            stored,
            raw,
            read,
        })
}

/// The parts of a ZIP package, in order, or `None` where it is none.
pub fn unzip(bytes: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut parts = Vec::with_capacity(archive.len());
    for idx in 0..archive.len() {
        let mut entry = archive.by_index(idx).ok()?;
        let mut data = Vec::new();
        entry.read_to_end(&mut data).ok()?;
        parts.push((String::from_utf8_lossy(entry.name_raw()).into_owned(), data));
    }
    Some(parts)
}

fn rezip(parts: &[(String, Vec<u8>)], stored: bool) -> Vec<u8> {
    use zip::CompressionMethod;
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in parts {
        let method = if stored || name == "mimetype" {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        let options = SimpleFileOptions::default().compression_method(method);
        // A name an edit made twice is refused by the writer: the part is left out then.
        if zip.start_file(name.as_str(), options).is_ok() {
            zip.write_all(data).expect("writing to memory");
        }
    }
    zip.finish().expect("writing to memory").into_inner()
}

/// Whether a part holds cells or what calamine counts: sheets, shared strings, ODS content,
/// the workbook and styles.
fn holds_cells(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "sheet",
        "sharedstrings",
        "content.xml",
        "workbook.xml",
        "styles",
    ]
    .iter()
    .any(|part| name.contains(part))
}

/// Where the values of an XML part are: (start, end) of each attribute value and of the
/// text after each tag.
fn values(xml: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut idx = 0;
    while idx < xml.len() {
        match xml[idx] {
            b'=' if matches!(xml.get(idx + 1), Some(b'"' | b'\'')) => {
                let quote = xml[idx + 1];
                let start = idx + 2;
                let end = memchr::memchr(quote, &xml[start..]).map_or(xml.len(), |p| start + p);
                out.push((start, end));
                idx = end;
            }
            b'>' => {
                let start = idx + 1;
                let end = memchr::memchr(b'<', &xml[start..]).map_or(xml.len(), |p| start + p);
                out.push((start, end));
                idx = end;
            }
            _ => idx += 1,
        }
    }
    out
}

fn apply_part(xml: &mut Vec<u8>, edit: &PartEdit) {
    let opens = || memchr::memchr_iter(b'<', xml).collect::<Vec<_>>();
    match edit {
        PartEdit::Value { at, value } => {
            let all = values(xml);
            if !all.is_empty() {
                let (start, end) = *at.get(&all);
                xml.splice(start..end, value.bytes());
            }
        }
        PartEdit::Duplicate { at, span } | PartEdit::Remove { at, span } => {
            let opens = opens();
            if opens.is_empty() {
                return;
            }
            let first = at.index(opens.len());
            let start = opens[first];
            let end = opens
                .get(first + usize::from(*span))
                .copied()
                .unwrap_or(xml.len());
            if matches!(edit, PartEdit::Duplicate { .. }) {
                let copy = xml[start..end].to_vec();
                xml.splice(end..end, copy);
            } else {
                xml.drain(start..end);
            }
        }
        PartEdit::Bytes(edit) => apply(xml, edit, encoding_rs::UTF_8),
    }
}

/// The package `seed` after the edits of `case`.
pub fn apply_package(seed: &[u8], case: &PackageCase) -> Vec<u8> {
    let mut bytes = match unzip(seed) {
        Some(mut parts) if !case.parts.is_empty() || case.stored => {
            for (prefer, which, edit) in &case.parts {
                let preferred: Vec<usize> = (0..parts.len())
                    .filter(|&idx| !*prefer || holds_cells(&parts[idx].0))
                    .collect();
                if preferred.is_empty() {
                    continue;
                }
                let idx = *which.get(&preferred);
                apply_part(&mut parts[idx].1, edit);
            }
            rezip(&parts, case.stored)
        }
        _ => seed.to_vec(),
    };
    for edit in &case.raw {
        apply(&mut bytes, edit, encoding_rs::UTF_8);
    }
    bytes
}

/// A case of a binary file mutated byte by byte (XLS).
#[derive(Clone, Debug)]
pub struct BinaryCase {
    pub seed: Index,
    pub edits: Vec<Edit>,
    pub read: ReadChoice,
}

pub fn binary_case() -> impl Strategy<Value = BinaryCase> {
    let binary_edit = prop_oneof![
        4 => (any::<Index>(), 0..8u8).prop_map(|(at, bit)| Edit::Flip { at, bit }),
        4 => (any::<Index>(), patch_value(), prop_oneof![Just(1u8), Just(2), Just(4)])
            .prop_map(|(at, value, width)| Edit::Patch { at, value, width }),
        1 => (any::<Index>(), 1..64usize).prop_map(|(at, len)| Edit::Delete { at, len }),
        1 => any::<Index>().prop_map(|at| Edit::Truncate { at }),
        1 => (any::<Index>(), any::<u8>(), 1..600usize)
            .prop_map(|(at, byte, len)| Edit::Run { at, byte, len }),
    ];
    (
        any::<Index>(),
        prop::collection::vec(binary_edit, 0..6),
        read_choice(),
    )
        .prop_map(|(seed, edits, read)| BinaryCase { seed, edits, read })
}
