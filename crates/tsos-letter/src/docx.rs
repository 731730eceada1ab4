//! DOCX, the form officials edit and sign: A4, Times New Roman 14 pt, the requisites of an
//! official letter (ГОСТ Р 7.0.97-2016: the authority, the date and number, the addressee on
//! the right, the title), justified paragraphs with a first-line indent, the signature.

use docx_rs::{
    AlignmentType, Docx, LineSpacing, PageMargin, Paragraph, Run, RunFonts, SpecialIndentType,
    Table, TableBorders, TableCell, TableRow, WidthType,
};
use tsos_domain::format_date_ru;

use crate::content::Paper;
use crate::template::Block;

/// Twentieths of a point per millimetre.
const TWIPS_PER_MM: f64 = 1440.0 / 25.4;

fn mm(value: f64) -> i32 {
    (value * TWIPS_PER_MM).round() as i32
}

fn text(text: &str) -> Run {
    Run::new().add_text(text)
}

/// Writes one or more papers into one document, each from a new page.
pub fn write(papers: &[&Paper]) -> Result<Vec<u8>, std::io::Error> {
    let mut docx = Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(mm(20.0))
                .bottom(mm(20.0))
                .left(mm(30.0))
                .right(mm(15.0)),
        )
        .default_fonts(
            RunFonts::new()
                .ascii("Times New Roman")
                .hi_ansi("Times New Roman")
                .cs("Times New Roman")
                .east_asia("Times New Roman"),
        )
        .default_size(28);
    for (idx, paper) in papers.iter().enumerate() {
        for paragraph in paragraphs(paper, idx > 0) {
            docx = match paragraph {
                Piece::Paragraph(p) => docx.add_paragraph(*p),
                Piece::Table(t) => docx.add_table(*t),
            };
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    docx.build()
        .pack(&mut out)
        .map_err(|err| std::io::Error::other(err.to_string()))?;
    Ok(out.into_inner())
}

/// A paragraph or a table of the body, boxed: docx-rs's paragraphs are large.
enum Piece {
    Paragraph(Box<Paragraph>),
    Table(Box<Table>),
}

fn para(paragraph: Paragraph) -> Piece {
    Piece::Paragraph(Box::new(paragraph))
}

fn table(table: Table) -> Piece {
    Piece::Table(Box::new(table))
}

fn paragraphs(paper: &Paper, new_page: bool) -> Vec<Piece> {
    let single = LineSpacing::new().line(240).after(0);
    let mut out = Vec::new();
    // The requisites: the authority and the number on the left, the addressee on the right.
    let mut left = TableCell::new().width(4800, WidthType::Dxa).add_paragraph(
        Paragraph::new()
            .add_run(text(&paper.authority).bold())
            .line_spacing(single.clone()),
    );
    let number = if paper.number.is_empty() {
        "№ ________".to_string()
    } else {
        format!("№ {}", paper.number)
    };
    left = left.add_paragraph(
        Paragraph::new()
            .add_run(text(&format!("от {} {number}", format_date_ru(paper.date))))
            .line_spacing(single.clone()),
    );
    let right = TableCell::new().width(4500, WidthType::Dxa).add_paragraph(
        Paragraph::new()
            .add_run(text(&paper.addressee))
            .line_spacing(single.clone()),
    );
    let mut first = Paragraph::new();
    if new_page {
        first = first.page_break_before(true);
    }
    out.push(para(first));
    out.push(table(
        Table::new(vec![TableRow::new(vec![left, right])])
            .set_borders(TableBorders::with_empty())
            .set_grid(vec![4800, 4500]),
    ));
    out.push(para(Paragraph::new()));
    out.push(para(
        Paragraph::new()
            .add_run(text(&paper.title).bold())
            .align(AlignmentType::Center)
            .line_spacing(single.clone()),
    ));
    out.push(para(Paragraph::new()));
    for block in &paper.blocks {
        let (content, first_line) = match block {
            Block::Paragraph(content) => (content, mm(12.5)),
            Block::Item(content) => (content, mm(12.5)),
        };
        out.push(para(
            Paragraph::new()
                .add_run(text(content))
                .align(AlignmentType::Both)
                .indent(
                    None,
                    Some(SpecialIndentType::FirstLine(first_line)),
                    None,
                    None,
                )
                .line_spacing(LineSpacing::new().line(276).after(0)),
        ));
    }
    out.push(para(Paragraph::new()));
    out.push(para(Paragraph::new()));
    // The signature: position on the left, name on the right, on one line.
    out.push(table(
        Table::new(vec![TableRow::new(vec![
            TableCell::new()
                .width(6000, WidthType::Dxa)
                .add_paragraph(Paragraph::new().add_run(text(&paper.signatory_position))),
            TableCell::new().width(3300, WidthType::Dxa).add_paragraph(
                Paragraph::new()
                    .add_run(text(&paper.signatory_name))
                    .align(AlignmentType::Right),
            ),
        ])])
        .set_borders(TableBorders::with_empty())
        .set_grid(vec![6000, 3300]),
    ));
    if let Some(executor) = &paper.executor {
        out.push(para(Paragraph::new()));
        out.push(para(Paragraph::new().add_run(text(executor).size(20))));
    }
    out
}
