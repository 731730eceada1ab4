//! The fuzzing harness of every reader (issue 11): inputs mutated from seed files made here,
//! and arbitrary strings and cells, through each reader's public entry point, with the
//! properties of `fuzz/readers.rs` checked on every call. A failing case is shrunk by
//! proptest to the fewest and smallest edits that still fail, and the test fails with that
//! input shown and saved under `target/tmp/fuzz-failures/`.
//!
//! A normal `cargo test` runs few enough cases to take seconds: 150 CSV, 80 package and 60
//! XLS inputs, 3,000 strings and rows for the parsers. `TSOS_FUZZ_CASES=N` runs N
//! cases of each test that reads files (ten times as many of the parsers, which are cheap),
//! with the random seed `TSOS_FUZZ_SEED` (a fixed one by default, so that CI is
//! repeatable) and, where `TSOS_FUZZ_DIR` is set, each input written there, so that what a
//! reader was reading when the process died or hung is left on disk; `bench/fuzz.sh` runs it.
//!
//! Like `workbook_limits.rs`, this binary limits its own address space before any test
//! runs: a reader whose memory is unbounded makes its test die of a failed allocation
//! instead of taking the machine down. A reader that loops is stopped by a watchdog, which
//! aborts the process after two minutes, naming the reader and the file.

#[path = "fuzz/mutate.rs"]
mod mutate;
#[path = "fuzz/parsers.rs"]
mod parsers;
#[path = "fuzz/readers.rs"]
mod readers;
#[path = "fuzz/regressions.rs"]
mod regressions;
#[path = "fuzz/seeds.rs"]
mod seeds;

use std::cell::Cell;
use std::fmt::Debug;
use std::path::PathBuf;
use std::sync::Mutex;
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use proptest::strategy::Strategy;
use proptest::test_runner::{
    Config, RngSeed, TestCaseError, TestCaseResult, TestError, TestRunner,
};

use mutate::ReadChoice;

/// Room for the test binary, its threads' stacks and arenas and what the readers rightly
/// hold; less than any unbounded allocation asks for. As in `workbook_limits.rs`.
const ADDRESS_SPACE: u64 = 3 << 30;

pub fn limit_memory() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        rlimit::setrlimit(rlimit::Resource::AS, ADDRESS_SPACE, ADDRESS_SPACE)
            .expect("the address space of the test binary is limited");
    });
}

thread_local! {
    /// Whether this thread is inside a reader's call, whose panic the harness reports.
    static IN_READER: Cell<bool> = const { Cell::new(false) };
}

/// Where the last panic was, for the report of a reader that panicked.
static LAST_PANIC: Mutex<String> = Mutex::new(String::new());

/// Panics inside readers are reported by the harness, with the input, once shrunk; the
/// default hook would print each of the thousands a shrink or calamine (whose panics the
/// library catches) makes. Panics of the tests' own threads outside a reader print as usual.
fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if let Some(at) = info.location() {
                *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = at.to_string();
            }
            // The threads a reader starts have no name; the tests' own threads have.
            let test_thread = std::thread::current().name().is_some();
            if test_thread && !IN_READER.get() {
                default(info);
            }
        }));
    });
}

/// Marks the current thread as inside a reader's call while `work` runs.
pub fn in_reader<T>(work: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            IN_READER.set(false);
        }
    }
    IN_READER.set(true);
    let _reset = Reset;
    work()
}

pub fn last_panic() -> String {
    LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// A reader's call that has not returned after this long is a hang: the watchdog stops the
/// process, naming the input, instead of letting CI wait for its own limit.
const HANG: Duration = Duration::from_secs(120);

/// The reader calls under way: by thread, when each began and on what input.
static RUNNING: Mutex<Vec<(ThreadId, Instant, String)>> = Mutex::new(Vec::new());

/// Runs `work` as a reader's call on `input`, watched for a hang.
pub fn watched<T>(input: impl FnOnce() -> String, work: impl FnOnce() -> T) -> T {
    static WATCHDOG: std::sync::Once = std::sync::Once::new();
    WATCHDOG.call_once(|| {
        std::thread::spawn(|| {
            loop {
                std::thread::sleep(Duration::from_secs(1));
                let running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((_, started, input)) = running
                    .iter()
                    .find(|(_, started, _)| started.elapsed() > HANG)
                {
                    eprintln!(
                        "a reader has not returned after {:?}, on {input}",
                        started.elapsed()
                    );
                    std::process::abort();
                }
            }
        });
    });
    let me = std::thread::current().id();
    RUNNING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((me, Instant::now(), input()));
    struct Done(ThreadId);
    impl Drop for Done {
        fn drop(&mut self) {
            RUNNING
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|(id, _, _)| *id != self.0);
        }
    }
    let _done = Done(me);
    work()
}

/// Cases of a test: `TSOS_FUZZ_CASES` times `scale`, or `ci` in a normal run.
fn cases(ci: u32, scale: u32) -> u32 {
    std::env::var("TSOS_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse::<u32>().ok())
        .map_or(ci, |n| n.saturating_mul(scale))
}

/// Runs `cases` cases of `strategy` through `test`; a failure panics with the minimal case.
fn fuzz<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> TestCaseResult,
    summary: impl Fn() -> String,
) where
    S::Value: Debug,
{
    limit_memory();
    quiet_panics();
    let seed = std::env::var("TSOS_FUZZ_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_231_001);
    let config = Config {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(seed),
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let started = Instant::now();
    match runner.run(&strategy, test) {
        Ok(()) => eprintln!(
            "fuzz {name}: {cases} cases (seed {seed}) in {:.1} s: {}",
            started.elapsed().as_secs_f64(),
            summary()
        ),
        Err(TestError::Fail(why, case)) => {
            panic!("fuzz {name} (seed {seed}): {why}\nminimal case: {case:?}")
        }
        Err(TestError::Abort(why)) => panic!("fuzz {name} (seed {seed}): aborted: {why}"),
    }
}

/// Where a test writes its inputs: `TSOS_FUZZ_DIR/<test>` in a long run, else a temporary
/// folder.
fn workdir(test: &str) -> (Option<tempfile::TempDir>, PathBuf) {
    match std::env::var_os("TSOS_FUZZ_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir).join(test);
            std::fs::create_dir_all(&dir).expect("the fuzzing folder");
            (None, dir)
        }
        None => {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let path = dir.path().to_path_buf();
            (Some(dir), path)
        }
    }
}

/// The file name a case is read under: the seed's, or another extension the case chose.
fn file_name(seed: &str, read: &ReadChoice) -> String {
    match read.ext {
        Some(ext) => {
            let stem = seed.rsplit_once('.').map_or(seed, |(stem, _)| stem);
            format!("{stem}.{ext}")
        }
        None => seed.to_string(),
    }
}

/// Writes a case's input and runs every reader on it. A failing input is also saved under
/// `target/tmp/fuzz-failures/`, whose path the failure names.
fn read_case(
    dir: &std::path::Path,
    name: &str,
    bytes: &[u8],
    read: &ReadChoice,
    tally: &readers::Tally,
) -> TestCaseResult {
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(|e| TestCaseError::fail(format!("writing: {e}")))?;
    let input = readers::Input {
        path: &path,
        bytes,
        read,
        tally,
    };
    readers::check_all(&input).map_err(|err| {
        let failures = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
        let saved = failures.join(name);
        let note =
            match std::fs::create_dir_all(&failures).and_then(|()| std::fs::write(&saved, bytes)) {
                Ok(()) => format!("saved as {}", saved.display()),
                Err(e) => format!("not saved: {e}"),
            };
        TestCaseError::fail(format!("{err}\n({note}; last panic at {})", last_panic()))
    })
}

#[test]
fn csv_files() {
    let (_keep, dir) = workdir("csv");
    let tally = readers::Tally::default();
    fuzz(
        "csv",
        cases(150, 1),
        mutate::file_case(),
        |case| {
            let seed = case.seed.get(seeds::csv());
            let mut bytes = seed.bytes.clone();
            for edit in &case.edits {
                mutate::apply(&mut bytes, edit, seed.encoding);
            }
            read_case(
                &dir,
                &file_name(&seed.name, &case.read),
                &bytes,
                &case.read,
                &tally,
            )
        },
        || tally.summary(),
    );
}

#[test]
fn xlsx_and_ods_packages() {
    let (_keep, dir) = workdir("packages");
    let tally = readers::Tally::default();
    fuzz(
        "packages",
        cases(80, 1),
        mutate::package_case(),
        |case| {
            let seed = case.seed.get(seeds::packages());
            let bytes = mutate::apply_package(&seed.bytes, &case);
            read_case(
                &dir,
                &file_name(&seed.name, &case.read),
                &bytes,
                &case.read,
                &tally,
            )
        },
        || tally.summary(),
    );
}

#[test]
fn xls_files() {
    let (_keep, dir) = workdir("xls");
    let tally = readers::Tally::default();
    fuzz(
        "xls",
        cases(60, 1),
        mutate::binary_case(),
        |case| {
            let seed = case.seed.get(seeds::xls());
            let mut bytes = seed.bytes.clone();
            for edit in &case.edits {
                mutate::apply(&mut bytes, edit, seed.encoding);
            }
            read_case(
                &dir,
                &file_name(&seed.name, &case.read),
                &bytes,
                &case.read,
                &tally,
            )
        },
        || tally.summary(),
    );
}

#[test]
fn text_and_cell_parsers() {
    fuzz(
        "parsers",
        cases(2_000, 10),
        parsers::case(),
        parsers::check,
        || "no property broken".to_string(),
    );
}

#[test]
fn header_rows_and_mappings() {
    fuzz(
        "headers",
        cases(1_000, 10),
        parsers::header_case(),
        parsers::check_header,
        || "no property broken".to_string(),
    );
}
