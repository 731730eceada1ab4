//! Typst markup in, PDF bytes out — in-process, with no files or packages.
//!
//! The fonts come from `typst-assets` (feature `fonts`) and are compiled into the binary:
//! Libertinus Serif (Typst's default body font, covers Cyrillic), New Computer Modern (+ Math)
//! and DejaVu Sans Mono for `raw` text. A caller may add fonts it has read
//! ([`Document::fonts`]), e.g. a distribution's Times-metric serif; the embedded ones stay the
//! fallback. Documents default to Russian (`text(lang: "ru")`), so
//! hyphenation and smart quotes follow Russian rules unless the markup says otherwise.

use std::fmt::Write as _;
use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, PackageError, Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Dict, Duration, IntoValue, Str};
use typst::syntax::{FileId, Source, VirtualRoot};
use typst::text::{Font, FontBook, Lang, TextElem};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::PdfOptions;

pub use typst::foundations::Bytes as FontData;

/// A Typst document to render.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    /// The complete Typst markup of the main file.
    pub markup: String,
    /// Key/value strings visible to the markup as `sys.inputs` (may be empty).
    pub inputs: Vec<(String, String)>,
    /// Font files (TrueType or OpenType, collections too) beside the embedded ones.
    pub fonts: Vec<FontData>,
}

/// The family of the first font in `data` (a TrueType or OpenType file, or a collection), as
/// the markup selects it; `None` when `data` holds no font Typst can read.
pub fn font_family(data: &FontData) -> Option<String> {
    Font::iter(data.clone())
        .next()
        .map(|font| font.info().family.clone())
}

/// Why a document could not be turned into a PDF.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The markup has errors (syntax, unknown functions, missing files…).
    #[error("ошибка в разметке Typst:\n{0}")]
    Compile(String),
    /// The laid-out document could not be written as PDF.
    #[error("не удалось записать PDF:\n{0}")]
    Export(String),
}

/// Compiles `doc.markup` and exports it as PDF.
///
/// `datetime.today()` is unavailable (it fails with a Typst error) so that the same input
/// always gives the same bytes: pass dates in through `inputs` instead. Imports of other files
/// and of packages fail too — everything must be in `markup`.
pub fn render(doc: &Document) -> Result<Vec<u8>, PdfError> {
    let world = MarkupWorld::new(doc);
    let result = typst::compile::<PagedDocument>(&world)
        .output
        .map_err(|errors| PdfError::Compile(describe(&world, &errors)))
        .and_then(|document| {
            typst_pdf::pdf(&document, &PdfOptions::default())
                .map_err(|errors| PdfError::Export(describe(&world, &errors)))
        });
    // typst memoises into process-wide caches; without eviction a long-running server would
    // keep every report it ever rendered. Age 10 keeps what the last few renders reused
    // (fonts, the standard library), as the typst CLI does in watch mode.
    typst::comemo::evict(10);
    result
}

/// Escapes arbitrary text (school names, user input) so that it appears literally when
/// pasted into generated Typst *markup*, including inside a `[...]` content block.
///
/// Every character that markup gives a meaning to is backslash-escaped, including the ones
/// that only matter at the start of a line (`=`, `-`, `+`, `/`, `1.`) and the typographic
/// ones (`"`/`'` smart quotes, `--`, `...`, `~`), so the output is exactly the input.
/// Line breaks become forced line breaks (`\ `) because a raw newline would end a heading
/// or list item that the text is embedded in; other control characters are dropped as they
/// have no glyph. Not for math (`$…$`) or code (`#…`) mode.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' | '/' | '[' | ']' | '~' | '-' | '.' | '\'' | '"' | '*' | '_' | ':' | '`' | '$'
            | '<' | '>' | '@' | '#' | '=' | '+' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                // A Windows "\r\n" is one line break, not two.
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\ ");
            }
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The fonts shipped in `typst-assets`, parsed once per process.
struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    Fonts {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

/// A world holding exactly one in-memory source file, the embedded fonts and the document's.
struct MarkupWorld {
    library: LazyHash<Library>,
    main: Source,
    /// The document's own fonts, after the embedded ones in `book`.
    extra: Vec<Font>,
    book: LazyHash<FontBook>,
}

impl MarkupWorld {
    fn new(doc: &Document) -> Self {
        let inputs: Dict = doc
            .inputs
            .iter()
            .map(|(key, value)| (Str::from(key.as_str()), value.as_str().into_value()))
            .collect();
        let mut library = Library::builder().with_inputs(inputs).build();
        // Reports are Russian: hyphenation patterns, «» smart quotes and localized
        // "Таблица"/"Рисунок" captions by default, without every template having to say so.
        library.styles.set(TextElem::lang, Lang::RUSSIAN);
        let extra: Vec<Font> = doc
            .fonts
            .iter()
            .flat_map(|data| Font::iter(data.clone()))
            .collect();
        let book = if extra.is_empty() {
            (*FONTS.book).clone()
        } else {
            FontBook::from_fonts(FONTS.fonts.iter().chain(&extra))
        };
        Self {
            library: LazyHash::new(library),
            main: Source::detached(doc.markup.clone()),
            extra,
            book: LazyHash::new(book),
        }
    }
}

impl World for MarkupWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(missing(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            Ok(Bytes::from_string(self.main.text().to_owned()))
        } else {
            Err(missing(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        match index.checked_sub(FONTS.fonts.len()) {
            None => FONTS.fonts.get(index).cloned(),
            Some(extra) => self.extra.get(extra).cloned(),
        }
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

/// The error for any file other than the main one: there is no file system and no packages.
fn missing(id: FileId) -> FileError {
    match id.root() {
        VirtualRoot::Package(spec) => FileError::Package(PackageError::NotFound(spec.clone())),
        VirtualRoot::Project => FileError::NotFound(id.vpath().get_with_slash().into()),
    }
}

/// One line per diagnostic: position in the markup (1-based), Typst's own message, hints.
fn describe(world: &MarkupWorld, diagnostics: &[SourceDiagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        if !out.is_empty() {
            out.push('\n');
        }
        let kind = match diagnostic.severity {
            Severity::Error => "ошибка",
            Severity::Warning => "предупреждение",
        };
        let position = world
            .range(diagnostic.span)
            .filter(|_| diagnostic.span.id() == Some(world.main.id()))
            .and_then(|range| world.main.lines().byte_to_line_column(range.start));
        if let Some((line, column)) = position {
            let _ = write!(out, "строка {}, столбец {}: ", line + 1, column + 1);
        }
        let _ = write!(out, "{kind}: {}", diagnostic.message);
        for hint in &diagnostic.hints {
            let _ = write!(out, " (подсказка: {})", hint.v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_backslashes_markup_and_keeps_the_rest() {
        assert_eq!(escape("МБОУ «СОШ №1»"), "МБОУ «СОШ №1»");
        assert_eq!(escape("#set $x$"), "\\#set \\$x\\$");
        assert_eq!(escape("1. a"), "1\\. a");
        assert_eq!(escape("a\r\nb\nc"), "a\\ b\\ c");
        assert_eq!(escape("a\tb\u{0}c"), "a bc");
    }

    /// Guards the choice of body font: if `typst-assets` ever swapped Libertinus for a font
    /// without Cyrillic, reports would silently fall back to another face.
    #[test]
    fn every_text_family_covers_russian_text() {
        let sample = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя«»№–—…";
        for family in [
            "libertinus serif",
            "new computer modern",
            "dejavu sans mono",
        ] {
            let mut faces = FONTS.book.select_family(family).peekable();
            assert!(faces.peek().is_some(), "{family} is not embedded");
            for index in faces {
                let info = FONTS.book.info(index).expect("index from the book");
                for c in sample.chars() {
                    assert!(
                        info.coverage.contains(u32::from(c)),
                        "{} {:?} lacks {c:?}",
                        info.family,
                        info.variant
                    );
                }
            }
        }
    }
}
