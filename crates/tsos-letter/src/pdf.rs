//! PDF, the form letters are sent in: the same papers as the DOCX, typeset by Typst
//! (`tsos-pdf`) on A4 with the margins of an official letter, a serif with Cyrillic embedded,
//! and page numbers from the second page on.

use tsos_domain::format_date_ru;
pub use tsos_pdf::PdfError;
use tsos_pdf::{Document, escape, render};

use crate::content::Paper;
use crate::template::Block;

/// Writes one or more papers into one PDF, each from a new page.
pub fn write(papers: &[&Paper]) -> Result<Vec<u8>, PdfError> {
    render(&Document {
        markup: markup(papers),
        inputs: Vec::new(),
    })
}

/// The Typst source of the papers: every piece of text escaped, so a school's name can never
/// be read as markup.
pub fn markup(papers: &[&Paper]) -> String {
    let mut out = String::from(
        r#"#set page(paper: "a4", margin: (left: 30mm, right: 15mm, top: 20mm, bottom: 20mm),
  footer: context {
    let n = counter(page).get().first()
    if n > 1 { align(center, text(size: 11pt, str(n))) }
  })
#set text(font: "Libertinus Serif", size: 14pt, lang: "ru", hyphenate: true)
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
