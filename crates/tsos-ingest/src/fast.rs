//! The fast path for large per-user CSV exports: the national files of 20 million rows, in
//! whatever order their rows come.
//!
//! The general path (`read_export` through [`crate::source::Source`]) decodes every field
//! into a `String`, one row at a time. This path instead
//! - reads the file once and cuts it into blocks at line ends that workers parse on every
//!   core, each block hashed for the lineage on its way to them;
//! - splits raw bytes into lines and fields itself, in one scan of each block (a simply
//!   quoted field taken without its quotes, a line with any other quote through the same
//!   [`LineSplitter`] as the general path) and decodes nothing but the few distinct role and
//!   confirmation spellings, which it caches, and the rare cell it must look at closely;
//! - hands each user row to the organisation's partition ([`crate::partition`]), so that the
//!   order of the rows does not matter and memory does not grow with the file.
//!
//! Invalid rows are found and named here as the general path names them, with their physical
//! line: a block knows its lines, and their numbers are settled once every block before it
//! is counted.
//!
//! Architecture invariant: the fast path gives exactly the general path's result, errors
//! included, or declines. It declines only where the file cannot be cut at any line end or
//! its text is not what it claims: quoted fields across lines, lone `\r` line ends, invalid
//! UTF-8, a line over 1 MB. The general path then reads the file from the start. The tests
//! run both paths on the same files in many orders.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, sync_channel};

use encoding_rs::Encoding;
use jiff::civil::Date;
use sha2::{Digest, Sha256};
use tsos_domain::{Role, Tally, UserState};

use crate::error::{RowError, RowLoc};
use crate::header::{Header, UserColumns};
use crate::partition::{Local, OrgKey, Partitions, UserId};
use crate::rejections::Rejections;
use crate::scan::Separators;
use crate::source::csv::{
    LineSplitter, MAX_LINE_BYTES, Split, long_value, split_simply_quoted, unclosed_quote,
};
use crate::source::{Cell, Defect, MAX_FIELD_BYTES, Row, decode_field};
use crate::values::{self, Invalid, Spellings};
use crate::{PerUserData, RowStats, defect_header, is_totals};

/// Bytes per block handed to a worker: big enough to amortise the hand-off, small enough that
/// the blocks in flight stay a few tens of MB whatever the file's size.
const BLOCK: usize = 4 << 20;

pub(crate) struct FastInput<'a> {
    pub path: &'a Path,
    /// The file's name, for errors.
    pub file: &'a str,
    pub encoding: &'static Encoding,
    pub delimiter: u8,
    pub bom: bool,
    /// The physical line of the header; data starts on the next one.
    pub header_line: u64,
    pub header: &'a Header,
    pub columns: UserColumns,
    pub tally: Tally,
    /// Hash the active users with it, as [`crate::ReadOptions::flow_key`].
    pub flow_key: Option<&'a crate::FlowKey>,
    pub progress: Option<&'a (dyn Fn(u64, u64) + Sync)>,
    /// How many first data rows to keep, as [`crate::ReadOptions::sample`].
    pub sample: usize,
}

/// What the fast path read after the header.
pub(crate) struct FastOutput {
    /// Of the whole file, read in the same pass.
    pub sha256: String,
    pub data: PerUserData,
    /// Rows after the header, counted as the general path counts them.
    pub stats: RowStats,
    /// The invalid cells, in file order.
    pub rejections: Rejections,
    pub sample: crate::Sample,
}

/// Reads the data rows, or `None` where the general path must read the file instead.
pub(crate) fn per_user(input: &FastInput<'_>) -> std::io::Result<Option<FastOutput>> {
    let mut file = File::open(input.path)?;
    // The file's SHA-256 for the lineage, from the bytes the workers parse: what is skipped
    // here, then every block in order on a thread of its own (below).
    let mut hasher = Sha256::new();
    let mut carry: Vec<u8> = Vec::with_capacity(2 * BLOCK);
    let mut bytes_done = 0u64;
    // Skip the BOM and the lines up to and including the header.
    let mut to_skip = input.header_line;
    let mut skipped_bom = !input.bom;
    while to_skip > 0 {
        if !fill(&mut file, &mut carry, &mut bytes_done)? {
            return Ok(None);
        }
        if !skipped_bom {
            hasher.update(&carry[..3]);
            carry.drain(..3);
            skipped_bom = true;
        }
        while to_skip > 0 {
            let Some(pos) = memchr::memchr(b'\n', &carry) else {
                break;
            };
            hasher.update(&carry[..=pos]);
            carry.drain(..=pos);
            to_skip -= 1;
        }
        if carry.len() > 64 << 20 {
            return Ok(None);
        }
    }

    let n_workers = crate::workers();
    let abort = AtomicBool::new(false);
    let rows_done = AtomicU64::new(0);
    let partitions = Partitions::new();
    let ctx = ChunkContext {
        input,
        n_needed: input.columns.n_needed(),
        abort: &abort,
        rows_done: &rows_done,
        partitions: &partitions,
    };
    let (results, sha256) = std::thread::scope(
        |scope| -> std::io::Result<(Vec<(usize, ChunkResult)>, String)> {
            let mut senders = Vec::with_capacity(n_workers);
            let mut handles = Vec::with_capacity(n_workers);
            // Blocks come back to the reader once parsed, so a handful of buffers serve the file.
            let (free_tx, free_rx) = channel::<Vec<u8>>();
            for _ in 0..n_workers {
                let (tx, rx) = sync_channel::<(usize, Vec<u8>)>(2);
                senders.push(tx);
                let ctx = &ctx;
                let free_tx = free_tx.clone();
                handles.push(
                    scope.spawn(move || -> std::io::Result<Vec<(usize, ChunkResult)>> {
                        let mut out = Vec::new();
                        let mut worker = Worker::new(ctx);
                        for (idx, mut chunk) in rx {
                            if !ctx.abort.load(Ordering::Relaxed) {
                                match worker.read_chunk(&chunk)? {
                                    Some(result) => {
                                        ctx.rows_done.fetch_add(result.lines, Ordering::Relaxed);
                                        out.push((idx, result));
                                    }
                                    None => ctx.abort.store(true, Ordering::Relaxed),
                                }
                            }
                            chunk.clear();
                            // The reader may be gone already; the buffer is then simply dropped.
                            let _ = free_tx.send(chunk);
                        }
                        worker.local.flush()?;
                        Ok(out)
                    }),
                );
            }
            drop(free_tx);
            // The blocks pass through the hashing thread on their way to the workers, in file
            // order. SHA-256 cannot be split, and hashed on the reading thread it held the
            // reading back (14 % of the import's CPU, in series with every block's read).
            let (to_hash, blocks) = sync_channel::<(usize, Vec<u8>)>(2);
            let hashing = scope.spawn(move || {
                for (idx, chunk) in blocks {
                    hasher.update(&chunk);
                    // A worker that has stopped (abort) drops its receiver; nothing to do then.
                    let _ = senders[idx % n_workers].send((idx, chunk));
                }
                crate::hex(&hasher.finalize())
            });
            let mut chunk_idx = 0usize;
            let mut eof = false;
            while !eof && !abort.load(Ordering::Relaxed) {
                // Fill the carry up to a block, then cut after its last newline.
                while carry.len() < BLOCK {
                    if !fill(&mut file, &mut carry, &mut bytes_done)? {
                        eof = true;
                        break;
                    }
                }
                if let Some(progress) = input.progress {
                    progress(bytes_done, rows_done.load(Ordering::Relaxed));
                }
                let cut = if eof {
                    carry.len()
                } else {
                    match memchr::memrchr(b'\n', &carry) {
                        Some(pos) => pos + 1,
                        // A line longer than a block is no per-user export.
                        None => {
                            abort.store(true, Ordering::Relaxed);
                            break;
                        }
                    }
                };
                let mut next = free_rx
                    .try_recv()
                    .unwrap_or_else(|_| Vec::with_capacity(2 * BLOCK));
                next.extend_from_slice(&carry[cut..]);
                carry.truncate(cut);
                let chunk = std::mem::replace(&mut carry, next);
                if !chunk.is_empty() {
                    to_hash
                        .send((chunk_idx, chunk))
                        .expect("the hashing thread runs until the reader stops sending");
                    chunk_idx += 1;
                }
            }
            drop(to_hash);
            let sha256 = hashing
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            let mut all = Vec::new();
            for handle in handles {
                all.extend(
                    handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?,
                );
            }
            Ok((all, sha256))
        },
    )?;
    if abort.load(Ordering::Relaxed) {
        return Ok(None);
    }
    let mut results = results;
    results.sort_by_key(|(idx, _)| *idx);
    let counts = partitions.finish(&input.tally, input.flow_key, n_workers)?;
    Ok(Some(join(results, input, counts, sha256)))
}

/// Appends up to a block of the file to `carry`; `false` at the end of the file.
fn fill(file: &mut File, carry: &mut Vec<u8>, bytes_done: &mut u64) -> std::io::Result<bool> {
    let n = file.take(BLOCK as u64).read_to_end(carry)?;
    *bytes_done += n as u64;
    Ok(n > 0)
}

struct ChunkContext<'a> {
    input: &'a FastInput<'a>,
    n_needed: usize,
    abort: &'a AtomicBool,
    /// Lines parsed so far, for the progress bar.
    rows_done: &'a AtomicU64,
    partitions: &'a Partitions,
}

/// What a block of lines gave, beside the records it handed to the partitions.
#[derive(Default)]
struct ChunkResult {
    /// Physical lines, blank ones included.
    lines: u64,
    blank: u64,
    totals: u64,
    accepted: u64,
    /// Invalid cells, counted as the general path counts them; each listed one is at its
    /// line within the block (0-based) until [`join`] places it in the file.
    rejections: Rejections,
    other_roles: u64,
    empty_confirmed: u64,
    missing_ids: u64,
    /// The block's first data rows, each with its line within the block.
    sample: Vec<(u64, Vec<String>)>,
}

/// One worker's state across the blocks it reads.
struct Worker<'a> {
    ctx: &'a ChunkContext<'a>,
    local: Local<'a>,
    roles: Spellings<Option<Role>>,
    confirmations: Spellings<Option<bool>>,
    /// Organisation cells that are not plain digits, as read once.
    orgs: std::collections::HashMap<Vec<u8>, Result<OrgKey, Invalid>>,
    splitter: LineSplitter,
    /// The fields of the current line, as ranges of the line or of `quoted`.
    fields: Vec<(usize, usize)>,
    /// A quoted line's fields, unquoted, one after another.
    quoted: Vec<u8>,
    /// Whether the block being read has a quote anywhere.
    chunk_has_quotes: bool,
    /// The last organisation cell of plain digits and its key: rows of one school often come
    /// together, and then the key is not parsed again.
    last_org: (Vec<u8>, Option<OrgKey>),
}

impl<'a> Worker<'a> {
    fn new(ctx: &'a ChunkContext<'a>) -> Worker<'a> {
        Worker {
            ctx,
            local: ctx.partitions.local(),
            roles: Spellings::default(),
            confirmations: Spellings::default(),
            orgs: std::collections::HashMap::new(),
            splitter: LineSplitter::new(ctx.input.delimiter),
            fields: Vec::with_capacity(ctx.n_needed),
            quoted: Vec::new(),
            chunk_has_quotes: false,
            last_org: (Vec::new(), None),
        }
    }

    /// Parses a block of whole lines; `None` declines the file.
    fn read_chunk(&mut self, chunk: &[u8]) -> std::io::Result<Option<ChunkResult>> {
        let input = self.ctx.input;
        if input.encoding == encoding_rs::UTF_8 && simdutf8::basic::from_utf8(chunk).is_err() {
            return Ok(None);
        }
        // The general path's splitter (csv_core) drops a UTF-8 BOM that begins a line, as at
        // the start of a file, where two exports were put together; lines split by hand here
        // would keep it in their first field. Rare: the general path reads such a file.
        const BOM: &[u8] = b"\xef\xbb\xbf";
        if chunk.starts_with(BOM) || memchr::memmem::find(chunk, b"\n\xef\xbb\xbf").is_some() {
            return Ok(None);
        }
        // Most files have no quote at all: then no field needs looking at for them.
        self.chunk_has_quotes = memchr::memchr(b'"', chunk).is_some();
        self.read_lines(chunk, ChunkResult::default())
    }

    /// The lines of a block, in one scan for delimiters, line ends and (where the block has
    /// any) quotes over the whole block, which costs far less than a search per field of each
    /// short line. A field in quotes is taken without them where it is quoted simply, as
    /// `"0512345678"`: a quote opening it, one closing it at its end, none between. A line
    /// with any other quote is split by [`Worker::read_line`], as the general path splits it.
    fn read_lines(
        &mut self,
        chunk: &[u8],
        mut out: ChunkResult,
    ) -> std::io::Result<Option<ChunkResult>> {
        let delimiter = self.ctx.input.delimiter;
        let quotes = self.chunk_has_quotes;
        // Without quotes, only the fields a row needs; with them, every field, as a line whose
        // later fields are quoted otherwise than simply is read as the general path reads it.
        let n_wanted = if quotes {
            usize::MAX
        } else {
            self.ctx.n_needed
        };
        let mut fields = std::mem::take(&mut self.fields);
        fields.clear();
        let (mut line_start, mut field_start) = (0, 0);
        // The current field's quotes: how many, and where the last one is.
        let (mut n_quotes, mut last_quote) = (0usize, 0usize);
        // Whether a field of the current line is quoted otherwise than simply.
        let mut complex = false;
        let ends = Separators::new(chunk, delimiter, quotes).chain(
            // A last line without its end.
            (chunk.last() != Some(&b'\n')).then_some(chunk.len()),
        );
        // A field's bytes, without its quotes where it is quoted simply.
        let field_range =
            |from: usize, to: usize, n_quotes: usize, last_quote: usize| match n_quotes {
                0 => Some((from, to)),
                2 if chunk[from] == b'"' && last_quote + 1 == to => Some((from + 1, to - 1)),
                _ => None,
            };
        for at in ends {
            let byte = chunk.get(at).copied();
            if byte == Some(b'"') {
                n_quotes += 1;
                last_quote = at;
                continue;
            }
            if byte == Some(delimiter) {
                if fields.len() < n_wanted {
                    match field_range(field_start, at, n_quotes, last_quote) {
                        Some((from, to)) => fields.push((from - line_start, to - line_start)),
                        None => complex = true,
                    }
                }
                field_start = at + 1;
                n_quotes = 0;
                continue;
            }
            let line = strip_cr(&chunk[line_start..at]);
            let line_idx = out.lines;
            out.lines += 1;
            if fields.len() < n_wanted {
                // The last field ends where the line's carriage returns begin.
                let end = (line_start + line.len()).max(field_start);
                match field_range(field_start, end, n_quotes, last_quote) {
                    Some((from, to)) => fields.push((from - line_start, to - line_start)),
                    None => complex = true,
                }
            }
            let ok = if line.is_empty() {
                out.blank += 1;
                true
            } else if line.len() > MAX_LINE_BYTES {
                false
            } else if line.len() > MAX_FIELD_BYTES || complex {
                // Every field must be looked at for its length, or split with its quotes: the
                // line's own way.
                self.read_line(line, line_idx, &mut out)?
            } else {
                let field = |idx: usize| -> &[u8] {
                    fields
                        .get(idx)
                        .map_or(&[][..], |&(from, to)| &line[from..to])
                };
                let encoding = self.ctx.input.encoding;
                let cells = || -> Vec<Cell> {
                    let decode =
                        |field: &[u8]| decode_field(field, encoding).unwrap_or(Cell::Empty);
                    if quotes {
                        fields
                            .iter()
                            .map(|&(from, to)| decode(&line[from..to]))
                            .collect()
                    } else {
                        line.split(|&b| b == delimiter).map(decode).collect()
                    }
                };
                self.read_fields(&field, &cells, line_idx, &mut out)?
            };
            if !ok {
                self.fields = fields;
                return Ok(None);
            }
            fields.clear();
            complex = false;
            n_quotes = 0;
            line_start = at + 1;
            field_start = at + 1;
        }
        self.fields = fields;
        Ok(Some(out))
    }

    /// Reads one non-empty line; `false` declines the file.
    fn read_line(
        &mut self,
        line: &'_ [u8],
        line_idx: u64,
        out: &mut ChunkResult,
    ) -> std::io::Result<bool> {
        let delimiter = self.ctx.input.delimiter;
        // Split the fields: by hand without quotes or with simple ones, through the general
        // path's splitter with any other.
        let mut fields = std::mem::take(&mut self.fields);
        let mut quoted = std::mem::take(&mut self.quoted);
        fields.clear();
        let has_quotes = self.chunk_has_quotes && memchr::memchr(b'"', line).is_some();
        // Whether `fields` holds every field of the line, not only those a row needs.
        let every_field = has_quotes;
        let bytes: &[u8] = if has_quotes && split_simply_quoted(line, delimiter, &mut fields) {
            line
        } else if has_quotes {
            self.splitter.start();
            if let Split::OpenQuote(column) = self.splitter.feed(line) {
                self.fields = fields;
                self.quoted = quoted;
                self.reject_defect(line_idx, unclosed_quote(column), out);
                return Ok(true);
            }
            quoted.clear();
            fields.clear();
            for field in self.splitter.fields() {
                fields.push((quoted.len(), quoted.len() + field.len()));
                quoted.extend_from_slice(field);
            }
            &quoted
        } else {
            // Only the fields a row needs, unless a field may be too long: a line of more is
            // split whole where it is looked at whole (see `read_fields`).
            let wanted = if line.len() > MAX_FIELD_BYTES {
                usize::MAX
            } else {
                self.ctx.n_needed
            };
            let mut from = 0;
            for at in memchr::memchr_iter(delimiter, line) {
                if fields.len() + 1 >= wanted {
                    break;
                }
                fields.push((from, at));
                from = at + 1;
            }
            fields.push((
                from,
                memchr::memchr(delimiter, &line[from..]).map_or(line.len(), |p| from + p),
            ));
            line
        };
        let field = |idx: usize| -> &[u8] {
            fields
                .get(idx)
                .map_or(&[][..], |&(from, to)| &bytes[from..to])
        };
        let encoding = self.ctx.input.encoding;
        let cells = || -> Vec<Cell> {
            let decode = |field: &[u8]| decode_field(field, encoding).unwrap_or(Cell::Empty);
            if every_field {
                (0..fields.len()).map(|idx| decode(field(idx))).collect()
            } else {
                line.split(|&b| b == delimiter).map(decode).collect()
            }
        };
        let long = (line.len() > MAX_FIELD_BYTES)
            .then(|| (0..fields.len()).find(|&idx| field(idx).len() > MAX_FIELD_BYTES))
            .flatten();
        let result = match long {
            Some(idx) => {
                self.reject_defect(line_idx, long_value(idx), out);
                Ok(true)
            }
            None => self.read_fields(&field, &cells, line_idx, out),
        };
        self.fields = fields;
        self.quoted = quoted;
        result
    }

    /// Reads the fields of a line that splits cleanly.
    /// `field` gives the fields a row needs; `cells`, every cell of the line, decoded.
    fn read_fields<'f>(
        &mut self,
        field: &impl Fn(usize) -> &'f [u8],
        cells: &impl Fn() -> Vec<Cell>,
        line_idx: u64,
        out: &mut ChunkResult,
    ) -> std::io::Result<bool> {
        let input = self.ctx.input;
        let encoding = input.encoding;
        let columns = input.columns;
        let raw_org = trim_ws(field(columns.org));
        let raw_role = field(columns.role);
        // A blank row, or a totals row, has no plain ИНН: only such rows are looked at whole,
        // decoded as the general path decodes them.
        if raw_org.is_empty() || !raw_org.iter().all(u8::is_ascii_digit) {
            let row = Row::new(RowLoc::Line(0), cells());
            if row.is_blank() {
                out.blank += 1;
                return Ok(true);
            }
            if is_totals(&row, columns.org) {
                out.totals += 1;
                return Ok(true);
            }
        }
        if out.sample.len() < input.sample {
            out.sample
                .push((line_idx, crate::sample_texts(&cells(), input.header)));
        }
        let role = match self.roles.find(raw_role) {
            Some(role) => role,
            None => {
                let role = Role::from_label(&decode(raw_role, encoding).to_text());
                self.roles.remember(raw_role, role);
                role
            }
        };
        let Some(role) = role else {
            // Other roles are counted, not checked: their rows do not enter any figure.
            out.other_roles += 1;
            out.accepted += 1;
            return Ok(true);
        };
        let header = input.header;
        let mut ok = true;
        let org = match self.org(raw_org) {
            Ok(org) => Some(org),
            Err(invalid) => {
                self.reject(line_idx, columns.org, header, invalid, out);
                ok = false;
                None
            }
        };
        let confirmed = match columns.confirmed {
            Some(idx) => {
                let raw = field(idx);
                let value = match self.confirmations.find(raw) {
                    Some(known) => Ok(known),
                    None => values::confirmed(&decode(raw, encoding)).inspect(|value| {
                        self.confirmations.remember(raw, *value);
                    }),
                };
                match value {
                    Ok(value) => value,
                    Err(invalid) => {
                        self.reject(line_idx, idx, header, invalid, out);
                        ok = false;
                        None
                    }
                }
            }
            None => None,
        };
        let last = match columns
            .last
            .map(|idx| (idx, last_date(field(idx), encoding)))
        {
            None => None,
            Some((_, Ok(last))) => last,
            Some((idx, Err(invalid))) => {
                self.reject(line_idx, idx, header, invalid, out);
                ok = false;
                None
            }
        };
        let (true, Some(org)) = (ok, org) else {
            return Ok(true);
        };
        if columns.confirmed.is_some() && confirmed.is_none() {
            out.empty_confirmed += 1;
        }
        let raw_id = columns.id.map(|idx| trim_ws(field(idx)));
        let decoded_id: String;
        let id = match raw_id {
            Some(raw) if raw.is_ascii() => Some(raw),
            Some(raw) => {
                decoded_id = decode(raw, encoding).to_text();
                Some(decoded_id.as_bytes())
            }
            None => None,
        };
        let id = match id {
            Some(id) if !id.is_empty() => UserId::of(id),
            _ => {
                if columns.id.is_some() {
                    out.missing_ids += 1;
                }
                UserId::None
            }
        };
        let state = UserState {
            confirmed: confirmed.unwrap_or(false),
            last,
        };
        self.local.add(org, role, id, state)?;
        out.accepted += 1;
        Ok(true)
    }

    /// The organisation of a trimmed cell: digits at once, anything else as the general path
    /// reads it, once per spelling.
    fn org(&mut self, raw: &[u8]) -> Result<OrgKey, Invalid> {
        if raw.is_empty() {
            return Ok(OrgKey::NONE);
        }
        if let (last, Some(key)) = &self.last_org
            && values::same(last, raw)
        {
            return Ok(*key);
        }
        if let Some(key) = OrgKey::from_digits(raw) {
            self.last_org.0.clear();
            self.last_org.0.extend_from_slice(raw);
            self.last_org.1 = Some(key);
            return Ok(key);
        }
        if let Some(known) = self.orgs.get(raw) {
            return known.clone();
        }
        let encoding = self.ctx.input.encoding;
        let read = values::org_or_none(&decode(raw, encoding)).map(|org| match org {
            Some(org) => self.ctx.partitions.orgs.key(&org),
            None => OrgKey::NONE,
        });
        self.orgs.insert(raw.to_vec(), read.clone());
        read
    }

    fn reject(
        &mut self,
        line_idx: u64,
        column_idx: usize,
        header: &Header,
        invalid: Invalid,
        out: &mut ChunkResult,
    ) {
        out.rejections.add(invalid.kind, || RowError {
            file: self.ctx.input.file.to_string(),
            loc: RowLoc::Line(line_idx),
            column_idx,
            header: header.title_of(column_idx),
            reason: invalid.reason,
            kind: invalid.kind,
        });
    }

    fn reject_defect(&mut self, line_idx: u64, defect: Defect, out: &mut ChunkResult) {
        let header = self.ctx.input.header;
        out.rejections.add(defect.kind, || RowError {
            file: self.ctx.input.file.to_string(),
            loc: RowLoc::Line(line_idx),
            column_idx: defect.column_idx.unwrap_or(0),
            header: defect_header(header, &defect),
            reason: defect.reason,
            kind: defect.kind,
        });
    }
}

/// Puts the blocks' results together in file order: rows, errors with their physical lines.
fn join(
    results: Vec<(usize, ChunkResult)>,
    input: &FastInput<'_>,
    counts: tsos_domain::PerUserCounts,
    sha256: String,
) -> FastOutput {
    let mut stats = RowStats::default();
    let mut data = PerUserData {
        counts,
        ..PerUserData::default()
    };
    let mut rejections = Rejections::default();
    let mut sample = Vec::new();
    let mut first_line = input.header_line + 1;
    for (_, chunk) in results {
        for (line_idx, texts) in chunk.sample {
            if sample.len() < input.sample {
                sample.push((RowLoc::Line(first_line + line_idx), texts));
            }
        }
        stats.read += chunk.lines;
        stats.blank += chunk.blank;
        stats.totals += chunk.totals;
        stats.accepted += chunk.accepted;
        data.other_roles += chunk.other_roles;
        data.empty_confirmed += chunk.empty_confirmed;
        data.missing_ids += chunk.missing_ids;
        rejections.append(chunk.rejections, |error| {
            error.loc = RowLoc::Line(first_line + error.loc.number());
        });
        first_line += chunk.lines;
    }
    FastOutput {
        sha256,
        data,
        stats,
        rejections,
        sample,
    }
}

/// A line without the carriage returns before its end.
fn strip_cr(mut line: &[u8]) -> &[u8] {
    while let Some(stripped) = line.strip_suffix(b"\r") {
        line = stripped;
    }
    line
}

/// Trims what `str::trim` trims from ASCII text: tab, line feed, vertical tab, form feed,
/// carriage return and space. Other whitespace is not ASCII and is trimmed once decoded.
fn trim_ws(bytes: &[u8]) -> &[u8] {
    let ws = |b: &u8| matches!(b, b'\t'..=b'\r' | b' ');
    let start = bytes.iter().position(|b| !ws(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !ws(b)).map_or(start, |p| p + 1);
    &bytes[start..end]
}

fn decode(bytes: &[u8], encoding: &'static Encoding) -> Cell {
    // A UTF-8 file's blocks were checked whole, so decoding cannot fail here.
    decode_field(bytes, encoding).unwrap_or(Cell::Empty)
}

/// `DD.MM.YYYY` and `YYYY-MM-DD` by hand; every other form through the general parser.
fn last_date(bytes: &[u8], encoding: &'static Encoding) -> Result<Option<Date>, Invalid> {
    let digit = |b: u8| b.wrapping_sub(b'0');
    let two = |a: u8, b: u8| u32::from(digit(a)) * 10 + u32::from(digit(b));
    let all_digits = |idx: &[usize]| idx.iter().all(|&i| bytes[i].is_ascii_digit());
    let fast = match bytes.len() {
        10 if bytes[2] == b'.' && bytes[5] == b'.' && all_digits(&[0, 1, 3, 4, 6, 7, 8, 9]) => {
            Some((
                two(bytes[6], bytes[7]) * 100 + two(bytes[8], bytes[9]),
                two(bytes[3], bytes[4]),
                two(bytes[0], bytes[1]),
            ))
        }
        10 if bytes[4] == b'-' && bytes[7] == b'-' && all_digits(&[0, 1, 2, 3, 5, 6, 8, 9]) => {
            Some((
                two(bytes[0], bytes[1]) * 100 + two(bytes[2], bytes[3]),
                two(bytes[5], bytes[6]),
                two(bytes[8], bytes[9]),
            ))
        }
        _ => None,
    };
    match fast.and_then(|(year, month, day)| Date::new(year as i16, month as i8, day as i8).ok()) {
        Some(date) => Ok(Some(date)),
        // An impossible date is reported by the general parser, in its words.
        None => values::last_date(&decode(bytes, encoding)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn dates_by_hand_agree_with_the_general_parser() {
        let utf8 = encoding_rs::UTF_8;
        for text in [
            "01.10.2023",
            "2023-10-01",
            "29.02.2024",
            "",
            "-",
            "01.10.2023 10:00",
            "2023-10-01T10:00:00Z",
            "31.02.2023",
            "2023-13-01",
            "abc",
            "1x.10.2023",
        ] {
            let general = values::last_date(&decode_field(text.as_bytes(), utf8).unwrap());
            assert_eq!(last_date(text.as_bytes(), utf8), general, "{text}");
        }
        assert_eq!(last_date(b"01.10.2023", utf8), Ok(Some(date(2023, 10, 1))));
    }

    #[test]
    fn trimming_is_str_trim_on_ascii() {
        for text in [" a ", "\t\x0b\x0ca\r\n", "", "   ", "a b", "\x1fa"] {
            assert_eq!(trim_ws(text.as_bytes()), text.trim().as_bytes(), "{text:?}");
        }
    }
}
