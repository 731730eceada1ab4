//! PDF, the form letters are sent in: the same papers as the DOCX, typeset by Typst
//! (`tsos-pdf`) on A4 with the margins of an official letter, a serif with Cyrillic embedded,
//! and page numbers from the second page on.
//!
//! The body font is a Times-metric serif, as in the DOCX (Times New Roman), so that the two
//! break lines alike: Liberation Serif or PT Serif from the distribution's font packages
//! (`fonts-liberation2`, `fonts-liberation`, `fonts-paratype`) where installed, else the
//! embedded Libertinus Serif. A font file named in the settings (`[font]`) comes before them
//! all, and an error there is the user's to fix, never a silent fallback. The PDF's keywords
//! say which was used.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use thiserror::Error;
use tsos_domain::format_date_ru;
pub use tsos_pdf::PdfError;
use tsos_pdf::{Document, FontData, escape, font_family, render};

use crate::content::Paper;
use crate::settings::FontFiles;
use crate::template::Block;

/// The serif the papers are set in, and its files where it is not embedded.
#[derive(Clone, Debug)]
pub struct BodyFont {
    /// The family as Typst selects it: «Liberation Serif».
    pub family: String,
    pub files: Vec<FontData>,
}

/// Why a font file named in the settings cannot be used.
#[derive(Debug, Error)]
pub enum FontError {
    #[error("файл шрифта {path}: не удалось прочитать: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("файл шрифта {path}: не удалось разобрать — это не шрифт TrueType или OpenType")]
    NotAFont { path: PathBuf },
    #[error(
        "файл шрифта {path}: семейство «{family}», а обычное начертание — «{regular}»; \
         полужирное должно быть того же семейства"
    )]
    OtherFamily {
        path: PathBuf,
        family: String,
        regular: String,
    },
}

/// The embedded fallback.
const EMBEDDED_SERIF: &str = "Libertinus Serif";

/// Where the distributions put the Times-metric serifs, family first, in order of preference.
const SYSTEM_SERIFS: [(&str, &[&str]); 3] = [
    (
        "Liberation Serif",
        &[
            "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
            "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
            "/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf",
            "/usr/share/fonts/truetype/liberation2/LiberationSerif-BoldItalic.ttf",
        ],
    ),
    (
        "Liberation Serif",
        &[
            "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
            "/usr/share/fonts/truetype/liberation/LiberationSerif-Bold.ttf",
            "/usr/share/fonts/truetype/liberation/LiberationSerif-Italic.ttf",
            "/usr/share/fonts/truetype/liberation/LiberationSerif-BoldItalic.ttf",
        ],
    ),
    (
        "PT Serif",
        &[
            "/usr/share/fonts/truetype/paratype/PTF55F.ttf",
            "/usr/share/fonts/truetype/paratype/PTF75F.ttf",
            "/usr/share/fonts/truetype/paratype/PTF56F.ttf",
            "/usr/share/fonts/truetype/paratype/PTF76F.ttf",
        ],
    ),
];

impl BodyFont {
    /// The first of `candidates` whose regular face (the first file) can be read; its other
    /// faces where they can be. Else the embedded serif.
    pub fn first_of(candidates: &[(&'static str, &[&str])]) -> BodyFont {
        for (family, paths) in candidates {
            let mut files = Vec::new();
            for (idx, path) in paths.iter().enumerate() {
                match std::fs::read(Path::new(path)) {
                    Ok(bytes) => files.push(FontData::new(bytes)),
                    Err(_) if idx == 0 => break,
                    Err(_) => {}
                }
            }
            if !files.is_empty() {
                return BodyFont {
                    family: family.to_string(),
                    files,
                };
            }
        }
        BodyFont::embedded()
    }

    pub fn embedded() -> BodyFont {
        BodyFont {
            family: EMBEDDED_SERIF.to_string(),
            files: Vec::new(),
        }
    }

    /// The font of the files the settings name: the family the regular file gives, and the
    /// bold of that family where named.
    pub fn from_files(files: &FontFiles) -> Result<BodyFont, FontError> {
        let read = |path: &Path| -> Result<(FontData, String), FontError> {
            let bytes = std::fs::read(path).map_err(|source| FontError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            let data = FontData::new(bytes);
            let family = font_family(&data).ok_or_else(|| FontError::NotAFont {
                path: path.to_path_buf(),
            })?;
            Ok((data, family))
        };
        let (regular, family) = read(&files.regular)?;
        let mut data = vec![regular];
        if let Some(path) = &files.bold {
            let (bold, bold_family) = read(path)?;
            if bold_family != family {
                return Err(FontError::OtherFamily {
                    path: path.clone(),
                    family: bold_family,
                    regular: family,
                });
            }
            data.push(bold);
        }
        Ok(BodyFont {
            family,
            files: data,
        })
    }

    /// The font the settings name (`[font]`), else this machine's Times-metric serif, else
    /// the embedded one.
    pub fn of_settings(files: Option<&FontFiles>) -> Result<BodyFont, FontError> {
        match files {
            Some(files) => BodyFont::from_files(files),
            None => Ok(SYSTEM.clone()),
        }
    }
}

/// The body font of this machine, looked for once per process.
static SYSTEM: LazyLock<BodyFont> = LazyLock::new(|| BodyFont::first_of(&SYSTEM_SERIFS));

/// Writes one or more papers into one PDF, each from a new page, in the machine's
/// Times-metric serif where there is one.
pub fn write(papers: &[&Paper]) -> Result<Vec<u8>, PdfError> {
    write_in(papers, &SYSTEM)
}

/// [`write`] in `font`.
pub fn write_in(papers: &[&Paper], font: &BodyFont) -> Result<Vec<u8>, PdfError> {
    render(&Document {
        markup: markup(papers, &font.family),
        inputs: Vec::new(),
        fonts: font.files.clone(),
    })
}

/// The Typst source of the papers in the font `family` (the embedded serif where a glyph is
/// missing): every piece of text escaped, so a school's name can never be read as markup.
pub fn markup(papers: &[&Paper], family: &str) -> String {
    let mut out = format!(
        "#set document(keywords: (\"шрифт: {family}\",))\n#set text(font: (\"{family}\", \"{EMBEDDED_SERIF}\"))\n"
    );
    out.push_str(
        r#"#set page(paper: "a4", margin: (left: 30mm, right: 15mm, top: 20mm, bottom: 20mm),
  footer: context {
    let n = counter(page).get().first()
    if n > 1 { align(center, text(size: 11pt, str(n))) }
  })
#set text(size: 14pt, lang: "ru", hyphenate: true)
#set par(justify: true, leading: 0.45em, spacing: 0.45em, first-line-indent: (amount: 1.25cm, all: true))
"#,
    );
    for (idx, paper) in papers.iter().enumerate() {
        if idx > 0 {
            out.push_str("#pagebreak()\n#counter(page).update(1)\n");
        }
        let number = if paper.number.is_empty() {
            "№ ________".to_string()
        } else {
            format!("№ {}", paper.number)
        };
        out.push_str(&format!(
            "#grid(columns: (1fr, 1fr), column-gutter: 12mm,\n  par(first-line-indent: 0pt, justify: false)[#set text(hyphenate: false); *{}* \\ от {} {}],\n  par(first-line-indent: 0pt, justify: false)[#set text(hyphenate: false); {}])\n",
            escape(&paper.authority),
            escape(&format_date_ru(paper.date)),
            escape(&number),
            escape(&paper.addressee)
        ));
        out.push_str(&format!(
            "#v(1.2em)\n#align(center, par(first-line-indent: 0pt, justify: false)[*{}*])\n#v(1em)\n",
            escape(&paper.title)
        ));
        for block in &paper.blocks {
            let (Block::Paragraph(text) | Block::Item(text)) = block;
            out.push_str(&keep_together(&escape(text)));
            out.push_str("\n\n");
        }
        out.push_str(&format!(
            "#v(2.5em)\n#grid(columns: (1fr, auto), par(first-line-indent: 0pt)[{}], par(first-line-indent: 0pt)[{}])\n",
            escape(&paper.signatory_position),
            escape(&paper.signatory_name)
        ));
        if let Some(executor) = &paper.executor {
            out.push_str(&format!(
                "#v(2em)\n#par(first-line-indent: 0pt)[#text(size: 10pt)[{}]]\n",
                escape(executor)
            ));
        }
    }
    out
}

/// «81,0 %» and «10,0 п.п.» never break between the number and its unit.
fn keep_together(markup: &str) -> String {
    markup
        .replace(" %", "\u{a0}%")
        .replace(" п\\.п\\.", "\u{a0}п\\.п\\.")
}
