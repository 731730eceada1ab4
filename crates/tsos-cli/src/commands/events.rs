//! `tsos events`: dated events that explain a jump, one function per action.

use anyhow::bail;
use tsos_app::events::{EventRequest, add_event, remove_event};
use tsos_domain::Level;
use tsos_report::lists::{EventLine, events_json};

use super::Globals;
use crate::cli::{EventAddArgs, EventsAction};
use crate::summary;

pub(super) fn events(globals: &Globals, action: EventsAction) -> anyhow::Result<()> {
    match action {
        EventsAction::Add(args) => add(globals, args),
        EventsAction::List { json } => {
            let store = globals.open_store()?;
            let events = store.events()?;
            if json {
                let lines: Vec<EventLine<'_>> = events
                    .iter()
                    .map(|stored| EventLine {
                        id: stored.id,
                        event: &stored.event,
                        added_at: &stored.added_at,
                        added_by: stored.added_by.as_deref(),
                    })
                    .collect();
                print!("{}", events_json(&lines));
            } else {
                print!("{}", summary::events_table(&events, &globals.catalogue));
            }
            Ok(())
        }
        EventsAction::Remove { id } => {
            let mut store = globals.open_store()?;
            let removed = remove_event(&mut store, id, None)?;
            println!(
                "Событие №{id} удалено: {}",
                summary::event_line(&removed.event, &globals.catalogue)
            );
            Ok(())
        }
        EventsAction::Suggest => {
            print!("{}", summary::suggestions_table());
            Ok(())
        }
    }
}

fn add(globals: &Globals, args: EventAddArgs) -> anyhow::Result<()> {
    let mut scope = args.scope.into_iter();
    let level = match scope.next() {
        Some(code) => Level::from_code(&code).ok_or_else(|| {
            anyhow::anyhow!("--scope «{code}»: уровень события — region, municipality или school")
        })?,
        None => Level::Region,
    };
    let mut name = scope.next();
    let mut text = args.text;
    // `--scope region "Текст"`: a region needs no name when the registry has one, and the
    // option takes the text for it.
    if text.is_none() && level == Level::Region && args.suggested.is_none() {
        text = name.take();
    }
    let request = match args.suggested {
        Some(n) => EventRequest::suggested(n, name)?,
        None => {
            let (Some(date), Some(text)) = (args.date, text) else {
                bail!(
                    "нет текста события: tsos events add --date ДАТА --scope УРОВЕНЬ [НАЗВАНИЕ] \"ТЕКСТ\""
                );
            };
            EventRequest {
                date,
                level,
                name,
                platform: args.platform,
                text,
            }
        }
    };
    if args.suggested.is_some() && level != Level::Region {
        bail!("--suggested: предложение — событие региона (--scope region [РЕГИОН])");
    }
    let mut store = globals.open_store()?;
    let added = add_event(&mut store, &globals.catalogue, &request, None)?;
    println!(
        "Событие №{}: {}",
        added.id,
        summary::event_line(&added.event, &globals.catalogue)
    );
    Ok(())
}
