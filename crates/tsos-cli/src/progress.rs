//! The progress bar of long imports: bytes, rows per second and the time left, on a terminal
//! only (indicatif draws nothing when stderr is not one), and never with `--quiet`.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

/// Files smaller than this import in well under a second: no bar.
const MIN_BYTES: u64 = 32 << 20;

pub struct ImportProgress {
    bar: ProgressBar,
    started: Instant,
}

impl ImportProgress {
    pub fn new(path: &Path, quiet: bool) -> Option<ImportProgress> {
        let total = std::fs::metadata(path).ok()?.len();
        if quiet || total < MIN_BYTES || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} · {msg} · осталось {eta}")
                .expect("a valid template"),
        );
        Some(ImportProgress {
            bar,
            started: Instant::now(),
        })
    }

    pub fn update(&self, bytes: u64, rows: u64) {
        self.bar.set_position(bytes);
        let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
        self.bar.set_message(format!(
            "{} строк, {} строк/с",
            tsos_report::ru::integer(rows),
            tsos_report::ru::integer((rows as f64 / seconds) as u64)
        ));
    }

    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}
