//! The wording of a letter or a notice: plain text an authority can edit, with named placeholders
//! (`{{срок}}`, `{{доля myschool.teachers}}`) and one kind of loop
//! (`{{#отстающие}} … {{/отстающие}}`). Blank lines separate paragraphs; each pass of a loop
//! is a paragraph of its own. `{{! … }}` is a comment.
//!
//! Every placeholder is checked before anything is written: an unknown one is an error that
//! names it and its line, so a typo never reaches a signed letter.

use std::collections::{BTreeMap, BTreeSet};

use thiserror::Error;

/// Which document a template is the wording of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplateKind {
    Letter,
    Notice,
}

impl TemplateKind {
    pub fn code(self) -> &'static str {
        match self {
            TemplateKind::Letter => "letter",
            TemplateKind::Notice => "notice",
        }
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            TemplateKind::Letter => "шаблон письма",
            TemplateKind::Notice => "шаблон уведомления",
        }
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum TemplateError {
    #[error(
        "{}: неизвестные подстановки: {}.\n  Доступны: {}",
        kind.title_ru(),
        unknown.iter().map(|(name, line)| format!("«{{{{{name}}}}}» (строка {line})")).collect::<Vec<_>>().join(", "),
        known.join(", ")
    )]
    Unknown {
        kind: TemplateKind,
        unknown: Vec<(String, usize)>,
        known: Vec<String>,
    },
    #[error("{}, строка {line}: {reason}", kind.title_ru())]
    Syntax {
        kind: TemplateKind,
        line: usize,
        reason: String,
    },
}

/// What the placeholders stand for.
#[derive(Clone, Debug, Default)]
pub struct Context {
    pub values: BTreeMap<String, String>,
    /// Loops: each item's own placeholders; the context's values are visible inside too.
    pub lists: BTreeMap<String, Vec<BTreeMap<String, String>>>,
    /// The placeholders a loop's items have, for checking a template with an empty list.
    pub item_names: BTreeMap<String, BTreeSet<String>>,
}

/// A piece of the rendered letter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A paragraph of running text (first-line indent, justified).
    Paragraph(String),
    /// One pass of a loop: an item of a list.
    Item(String),
}

#[derive(Debug)]
enum Node {
    Text(String),
    Value {
        name: String,
        line: usize,
    },
    Loop {
        name: String,
        line: usize,
        body: Vec<Node>,
    },
}

/// Fills `template`, the wording of a `kind` document, from `context`.
pub fn render(
    kind: TemplateKind,
    template: &str,
    context: &Context,
) -> Result<Vec<Block>, TemplateError> {
    let nodes =
        parse(template).map_err(|(line, reason)| TemplateError::Syntax { kind, line, reason })?;
    check(&nodes, context).map_err(|(unknown, known)| TemplateError::Unknown {
        kind,
        unknown,
        known,
    })?;
    let mut blocks = Vec::new();
    let mut text = String::new();
    render_nodes(&nodes, context, None, &mut text, &mut blocks);
    flush_paragraphs(&text, &mut blocks);
    Ok(blocks)
}

/// A syntax error: its line and what is wrong.
type SyntaxError = (usize, String);

fn parse(template: &str) -> Result<Vec<Node>, SyntaxError> {
    let mut stack: Vec<(String, usize, Vec<Node>)> = Vec::new();
    let mut nodes: Vec<Node> = Vec::new();
    let mut rest = template;
    let mut line = 1;
    while let Some(start) = rest.find("{{") {
        let (before, after) = rest.split_at(start);
        push_text(current(&mut stack, &mut nodes), before);
        line += before.matches('\n').count();
        let end = after
            .find("}}")
            .ok_or_else(|| (line, "«{{» без закрывающих «}}»".to_string()))?;
        let tag = after[2..end].trim();
        let tag_line = line;
        line += after[..end].matches('\n').count();
        rest = &after[end + 2..];
        if let Some(name) = tag.strip_prefix('#') {
            stack.push((name.trim().to_string(), tag_line, Vec::new()));
            // The line break after an opening tag belongs to the tag, not to the loop's text.
            rest = rest.strip_prefix('\n').unwrap_or(rest);
            line += usize::from(after[end + 2..].starts_with('\n'));
        } else if let Some(name) = tag.strip_prefix('/') {
            let (open, open_line, body) = stack.pop().ok_or_else(|| {
                (
                    tag_line,
                    format!("«{{{{/{}}}}}» без открывающего «{{{{#…}}}}»", name.trim()),
                )
            })?;
            if open != name.trim() {
                return Err((
                    tag_line,
                    format!(
                        "цикл «{open}» (строка {open_line}) закрыт как «{}»",
                        name.trim()
                    ),
                ));
            }
            current(&mut stack, &mut nodes).push(Node::Loop {
                name: open,
                line: open_line,
                body,
            });
            rest = rest.strip_prefix('\n').unwrap_or(rest);
            line += usize::from(after[end + 2..].starts_with('\n'));
        } else if tag.starts_with('!') {
            // A comment.
        } else {
            current(&mut stack, &mut nodes).push(Node::Value {
                name: normalize(tag),
                line: tag_line,
            });
        }
    }
    push_text(current(&mut stack, &mut nodes), rest);
    if let Some((name, open_line, _)) = stack.pop() {
        return Err((
            open_line,
            format!("цикл «{name}» не закрыт: нет «{{{{/{name}}}}}»"),
        ));
    }
    Ok(nodes)
}

fn current<'a>(
    stack: &'a mut [(String, usize, Vec<Node>)],
    nodes: &'a mut Vec<Node>,
) -> &'a mut Vec<Node> {
    match stack.last_mut() {
        Some((_, _, body)) => body,
        None => nodes,
    }
}

fn push_text(nodes: &mut Vec<Node>, text: &str) {
    if !text.is_empty() {
        nodes.push(Node::Text(text.to_string()));
    }
}

/// Placeholder names compare with single spaces and in lower case.
fn normalize(tag: &str) -> String {
    tag.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The unknown placeholders with their lines, and every known one.
type Unknown = (Vec<(String, usize)>, Vec<String>);

fn check(nodes: &[Node], context: &Context) -> Result<(), Unknown> {
    let mut unknown = Vec::new();
    check_nodes(nodes, context, None, &mut unknown);
    if unknown.is_empty() {
        return Ok(());
    }
    let mut known: Vec<String> = context.values.keys().cloned().collect();
    for (list, names) in &context.item_names {
        known.push(format!("#{list}"));
        known.extend(names.iter().map(|n| format!("{n} (внутри #{list})")));
    }
    Err((unknown, known))
}

fn check_nodes(
    nodes: &[Node],
    context: &Context,
    list: Option<&str>,
    unknown: &mut Vec<(String, usize)>,
) {
    for node in nodes {
        match node {
            Node::Text(_) => {}
            Node::Value { name, line } => {
                let in_item = list
                    .and_then(|l| context.item_names.get(l))
                    .is_some_and(|names| names.contains(name));
                if !in_item && !context.values.contains_key(name) {
                    unknown.push((name.clone(), *line));
                }
            }
            Node::Loop { name, line, body } => {
                if context.item_names.contains_key(name) {
                    check_nodes(body, context, Some(name), unknown);
                } else {
                    unknown.push((format!("#{name}"), *line));
                }
            }
        }
    }
}

fn render_nodes(
    nodes: &[Node],
    context: &Context,
    item: Option<&BTreeMap<String, String>>,
    text: &mut String,
    blocks: &mut Vec<Block>,
) {
    for node in nodes {
        match node {
            Node::Text(t) => text.push_str(t),
            Node::Value { name, .. } => {
                let value = item
                    .and_then(|i| i.get(name))
                    .or_else(|| context.values.get(name))
                    .map(String::as_str)
                    .unwrap_or_default();
                text.push_str(value);
            }
            Node::Loop { name, body, .. } => {
                // What came before the loop is finished paragraphs.
                flush_paragraphs(text, blocks);
                text.clear();
                for each in context.lists.get(name).into_iter().flatten() {
                    let mut item_text = String::new();
                    render_nodes(body, context, Some(each), &mut item_text, blocks);
                    let item_text = item_text.split_whitespace().collect::<Vec<_>>().join(" ");
                    if !item_text.is_empty() {
                        blocks.push(Block::Item(item_text));
                    }
                }
            }
        }
    }
}

/// Splits text on blank lines into paragraphs, joining the lines of each with spaces.
fn flush_paragraphs(text: &str, blocks: &mut Vec<Block>) {
    let mut paragraph = String::new();
    for line in text.lines().chain(std::iter::once("")) {
        let line = line.trim();
        if line.is_empty() {
            if !paragraph.is_empty() {
                blocks.push(Block::Paragraph(std::mem::take(&mut paragraph)));
            }
        } else {
            if !paragraph.is_empty() {
                paragraph.push(' ');
            }
            paragraph.push_str(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context {
        let mut context = Context::default();
        context.values.insert("срок".into(), "20.10.2023".into());
        context
            .values
            .insert("доля myschool.teachers".into(), "81,0 %".into());
        let item = |name: &str, share: &str| {
            BTreeMap::from([
                ("наименование".to_string(), name.to_string()),
                ("доля".to_string(), share.to_string()),
            ])
        };
        context.lists.insert(
            "отстающие".into(),
            vec![
                item("МБОУ «СОШ №1»", "12,0 %"),
                item("МКОУ «Агачаульская СОШ»", "30,5 %"),
            ],
        );
        context.item_names.insert(
            "отстающие".into(),
            BTreeSet::from(["наименование".to_string(), "доля".to_string()]),
        );
        context
    }

    #[test]
    fn placeholders_paragraphs_and_loops() {
        let template = "Доля учителей – {{ доля   MySchool.teachers }}.\nСрок – до {{срок}}.\n\n{{! не выводится }}Ниже цели:\n{{#отстающие}}\n{{наименование}}: {{доля}}, срок {{срок}};\n{{/отстающие}}\nПриложение: в 1 экз.\n";
        let blocks = render(TemplateKind::Letter, template, &context()).unwrap();
        assert_eq!(
            blocks,
            vec![
                Block::Paragraph("Доля учителей – 81,0 %. Срок – до 20.10.2023.".into()),
                Block::Paragraph("Ниже цели:".into()),
                Block::Item("МБОУ «СОШ №1»: 12,0 %, срок 20.10.2023;".into()),
                Block::Item("МКОУ «Агачаульская СОШ»: 30,5 %, срок 20.10.2023;".into()),
                Block::Paragraph("Приложение: в 1 экз.".into()),
            ]
        );
    }

    #[test]
    fn unknown_placeholders_are_named_with_their_lines() {
        let err = render(TemplateKind::Letter, "Срок {{срок}}.\n{{долля myschool.teachers}}\n{{#отстающие}}{{инн}}{{/отстающие}}\n{{#прочие}}{{/прочие}}", &context()).unwrap_err();
        let TemplateError::Unknown { unknown, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(
            unknown,
            &vec![
                ("долля myschool.teachers".to_string(), 2),
                ("инн".to_string(), 3),
                ("#прочие".to_string(), 4)
            ]
        );
        assert!(
            err.to_string()
                .contains("«{{долля myschool.teachers}}» (строка 2)"),
            "{err}"
        );
    }

    #[test]
    fn syntax_errors() {
        assert!(matches!(
            render(TemplateKind::Letter, "{{срок", &context()),
            Err(TemplateError::Syntax { line: 1, .. })
        ));
        assert!(matches!(
            render(TemplateKind::Letter, "\n{{#отстающие}}x", &context()),
            Err(TemplateError::Syntax { line: 2, .. })
        ));
        assert!(matches!(
            render(TemplateKind::Letter, "{{/отстающие}}", &context()),
            Err(TemplateError::Syntax { .. })
        ));
    }
}
