//! The benchmark's per-user files in an order nobody would choose: what a reader must survive
//! when it cannot know how a platform sorts its export.
//!
//! [`scatter`] rewrites a file of [`crate::generate_scale`] so that
//! - rows follow their user id's hash, as an export sorted by user id does: every school's
//!   rows spread over the whole file;
//! - a user's repeated row lands half a file away from the first;
//! - 0.3 % of rows lose their organisation (an empty cell), as users attached to no school do;
//! - optionally every field is quoted and lines end with CRLF, as many systems write CSV.
//!
//! It streams through 256 temporary buckets, so memory stays small at national size.

use std::collections::HashSet;
use std::fs::File;
use std::hash::BuildHasher;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::DemoError;

const BUCKETS: usize = 256;

/// The column of the organisation in both per-user files of the scale demo.
const ORG_COLUMN: usize = 2;

/// Rows per thousand that lose their organisation.
const WITHOUT_ORG_PER_MILLE: u64 = 3;

/// How [`scatter`] rewrites a file.
#[derive(Clone, Copy, Debug, Default)]
pub struct Scatter {
    pub seed: u64,
    /// Every field in quotes, lines ended by CRLF.
    pub quote: bool,
}

/// Rewrites the per-user CSV at `path` in place, as the module says. The file must be one of
/// [`crate::generate_scale`]'s: rows of a school together, no quotes, LF.
pub fn scatter(path: &Path, how: Scatter) -> Result<(), DemoError> {
    let io = |source| DemoError::Io {
        path: path.to_path_buf(),
        source,
    };
    let state = foldhash::fast::FixedState::with_seed(how.seed);
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path).map_err(io)?);
    let mut header = String::new();
    reader.read_line(&mut header).map_err(io)?;
    let mut buckets: Vec<BufWriter<File>> = (0..BUCKETS)
        .map(|_| tempfile::tempfile().map(|file| BufWriter::with_capacity(64 << 10, file)))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    // The users of the school being read: the source keeps a school's rows together, so a
    // user seen again is a repeated row.
    let mut school = String::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut line = String::new();
    let mut row_no = 0u64;
    loop {
        line.clear();
        if reader.read_line(&mut line).map_err(io)? == 0 {
            break;
        }
        let text = line.trim_end_matches(['\n', '\r']);
        if text.is_empty() {
            continue;
        }
        row_no += 1;
        let mut fields: Vec<&str> = text.split(';').collect();
        let id = fields[0];
        let org = fields.get(ORG_COLUMN).copied().unwrap_or("");
        if org != school {
            school = org.to_string();
            seen.clear();
        }
        let repeated = !seen.insert(id.to_string());
        let hash = state.hash_one(id);
        let bucket = (hash as usize + if repeated { BUCKETS / 2 } else { 0 }) % BUCKETS;
        if state.hash_one((id, row_no)) % 1000 < WITHOUT_ORG_PER_MILLE && fields.len() > ORG_COLUMN
        {
            fields[ORG_COLUMN] = "";
        }
        write_row(&mut buckets[bucket], &fields, how.quote).map_err(io)?;
    }
    drop(reader);
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).map_err(io)?);
    let header_fields: Vec<&str> = header.trim_end_matches(['\n', '\r']).split(';').collect();
    write_row(&mut out, &header_fields, how.quote).map_err(io)?;
    for bucket in buckets {
        let mut file = bucket.into_inner().map_err(|err| io(err.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        let mut rows = Vec::new();
        file.read_to_end(&mut rows).map_err(io)?;
        out.write_all(&rows).map_err(io)?;
    }
    out.flush().map_err(io)
}

fn write_row(out: &mut impl Write, fields: &[&str], quote: bool) -> std::io::Result<()> {
    if quote {
        for (idx, field) in fields.iter().enumerate() {
            if idx > 0 {
                out.write_all(b";")?;
            }
            write!(out, "\"{}\"", field.replace('"', "\"\""))?;
        }
        out.write_all(b"\r\n")
    } else {
        out.write_all(fields.join(";").as_bytes())?;
        out.write_all(b"\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_spread_repeated_far_apart_some_without_school() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.csv");
        let mut text = String::from("ID;Роль;ИНН ОО;Дата\n");
        for school in 0..20 {
            for user in 0..500 {
                text.push_str(&format!(
                    "{school}{user:04};Учитель;05000000{school:02};01.10.2023\n"
                ));
            }
            text.push_str(&format!(
                "{school}0001;Учитель;05000000{school:02};02.10.2023\n"
            ));
        }
        std::fs::write(&path, &text).unwrap();
        scatter(
            &path,
            Scatter {
                seed: 1,
                quote: false,
            },
        )
        .unwrap();
        let out = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), text.lines().count());
        assert_eq!(lines[0], "ID;Роль;ИНН ОО;Дата");
        // The same rows: each id with its date, some without their school.
        let id_and_date = |line: &str| {
            let fields: Vec<&str> = line.split(';').collect();
            format!("{};{}", fields[0], fields[3])
        };
        let mut rows_in: Vec<String> = text.lines().skip(1).map(id_and_date).collect();
        let mut rows_out: Vec<String> = lines[1..].iter().map(|l| id_and_date(l)).collect();
        rows_in.sort();
        rows_out.sort();
        assert_eq!(rows_in, rows_out);
        let without_org = lines.iter().filter(|l| l.contains(";;")).count();
        assert!((5..=80).contains(&without_org), "{without_org}");
        // School 0's rows are spread: its first and last rows are far apart.
        let places: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.contains(";0500000000;"))
            .map(|(n, _)| n)
            .collect();
        assert!(places.last().unwrap() - places.first().unwrap() > lines.len() / 2);
        let repeats: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.starts_with("00001;"))
            .map(|(n, _)| n)
            .collect();
        assert_eq!(repeats.len(), 2);
        assert!(repeats[1] - repeats[0] > lines.len() / 4, "{repeats:?}");
        scatter(
            &path,
            Scatter {
                seed: 1,
                quote: true,
            },
        )
        .unwrap();
        let quoted = std::fs::read_to_string(&path).unwrap();
        assert!(quoted.starts_with("\"ID\";\"Роль\";\"ИНН ОО\";\"Дата\"\r\n"));
    }
}
