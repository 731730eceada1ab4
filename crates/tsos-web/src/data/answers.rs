//! Serialised reports for the API and the downloads, built once and shared.
//!
//! At 40,000 schools the school-level JSON is some 140 MB. It is written once per date,
//! level, scope and format ([`AnswerKey`]) straight into gzip, some 18 MB, and every request
//! is answered from the same shared bytes: 32 clients cost one copy, not 32. A client that
//! accepts gzip (browsers, most HTTP libraries) gets them as they are; one that does not gets
//! them decompressed on the way, a chunk at a time, so the uncompressed report never sits in
//! memory whole.

use std::io::{Read, Write};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use http_body_util::channel::Channel;
use jiff::civil::Date;

use crate::http::response::{CSV, JSON};

/// Answers smaller than this are kept as they are: compressing saves little on them.
const GZIP_FROM: usize = 64 << 10;
/// Decompressed for a client a chunk at a time, with at most two chunks waiting to be sent.
const CHUNK: usize = 256 << 10;

/// How a report is serialised.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub(crate) enum AnswerFormat {
    /// `tsos report --format json`.
    Json,
    /// `tsos report --format csv`, for Excel.
    Csv,
}

impl AnswerFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            AnswerFormat::Json => JSON,
            AnswerFormat::Csv => CSV,
        }
    }
}

/// What an answer depends on besides the data: every account of one role and scope sees the
/// same rows.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub(crate) struct AnswerKey {
    pub as_of: Date,
    pub level: &'static str,
    pub role: &'static str,
    pub scope: String,
    pub format: AnswerFormat,
}

/// A serialised answer; cloning it shares the bytes.
#[derive(Clone)]
pub(crate) enum Answer {
    /// A small answer, as it is.
    Plain(Bytes),
    /// A large one, gzip-compressed only.
    Gzip { gzip: Bytes, plain_len: u64 },
}

/// Where an answer is written: kept as it is while small, compressed from the moment it is
/// not.
pub(crate) struct AnswerWriter {
    plain: Vec<u8>,
    gzip: Option<GzEncoder<Vec<u8>>>,
    len: u64,
}

impl AnswerWriter {
    pub fn new() -> AnswerWriter {
        AnswerWriter {
            plain: Vec::new(),
            gzip: None,
            len: 0,
        }
    }

    pub fn finish(self) -> std::io::Result<Answer> {
        Ok(match self.gzip {
            Some(gzip) => Answer::Gzip {
                gzip: Bytes::from(gzip.finish()?),
                plain_len: self.len,
            },
            None => Answer::Plain(Bytes::from(self.plain)),
        })
    }
}

impl Write for AnswerWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.len += buf.len() as u64;
        match &mut self.gzip {
            Some(gzip) => gzip.write_all(buf)?,
            None => {
                self.plain.extend_from_slice(buf);
                if self.plain.len() >= GZIP_FROM {
                    // The fastest level: a national report still shrinks some eightfold, and
                    // the first requests wait while it is written.
                    let mut gzip = GzEncoder::new(Vec::new(), Compression::fast());
                    gzip.write_all(&std::mem::take(&mut self.plain))?;
                    self.gzip = Some(gzip);
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Answer {
    /// Its size in memory, for the cache's budget.
    pub fn bytes(&self) -> usize {
        match self {
            Answer::Plain(plain) => plain.len(),
            Answer::Gzip { gzip, .. } => gzip.len(),
        }
    }

    /// The response: the shared bytes as they are, or decompressed on the way for a client
    /// that does not accept gzip. Must be called on the runtime, which does the decompressing.
    pub fn response(&self, request: &HeaderMap, content_type: &'static str) -> Response {
        let mut response = match self {
            Answer::Plain(plain) => Body::from(plain.clone()).into_response(),
            Answer::Gzip { gzip, .. } if accepts_gzip(request) => {
                let mut response = Body::from(gzip.clone()).into_response();
                response
                    .headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                response
            }
            Answer::Gzip { gzip, plain_len } => {
                let mut response = inflated(gzip.clone()).into_response();
                response
                    .headers_mut()
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(*plain_len));
                response
            }
        };
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        // Caches between the server and the client must keep the two forms apart.
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        response
    }
}

/// `gzip` decompressed on a blocking thread into a body, a chunk at a time: the thread waits
/// while the client has not taken the chunks before, and stops when it goes away.
fn inflated(gzip: Bytes) -> Body {
    let (mut sender, body) = Channel::<Bytes, std::io::Error>::new(2);
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut decoder = GzDecoder::new(&gzip[..]);
        loop {
            let mut chunk = vec![0; CHUNK];
            match decoder.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    chunk.truncate(n);
                    if runtime
                        .block_on(sender.send_data(Bytes::from(chunk)))
                        .is_err()
                    {
                        break;
                    }
                }
                Err(err) => {
                    tracing::error!(error = %err, "сжатый ответ не распакован");
                    sender.abort(err);
                    break;
                }
            }
        }
    });
    Body::new(body)
}

/// Whether `Accept-Encoding` lists gzip with a weight above zero (RFC 9110 §12.5.3).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let weight = parts
                .find_map(|param| param.strip_prefix("q="))
                .map_or(Some(1.0), |q| q.parse::<f32>().ok());
            (name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip"))
                && weight.is_some_and(|q| q > 0.0)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn gzip_only_when_accepted() {
        assert!(accepts_gzip(&accepting("gzip, deflate, br")));
        assert!(accepts_gzip(&accepting("br;q=1.0, GZIP;q=0.5")));
        assert!(!accepts_gzip(&accepting("gzip;q=0")));
        assert!(!accepts_gzip(&accepting("deflate, br")));
        assert!(!accepts_gzip(&accepting("gzipx")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    fn answer(bytes: &[u8]) -> Answer {
        let mut writer = AnswerWriter::new();
        for piece in bytes.chunks(1000) {
            writer.write_all(piece).unwrap();
        }
        writer.finish().unwrap()
    }

    async fn body(response: Response) -> Vec<u8> {
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec()
    }

    #[tokio::test]
    async fn large_answers_are_kept_compressed_and_sent_either_way() {
        let small = answer(b"{}");
        assert!(matches!(small, Answer::Plain(_)));
        let response = small.response(&accepting("gzip"), AnswerFormat::Json.content_type());
        assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(body(response).await, b"{}");

        let text: Vec<u8> = (0..200_000_u32)
            .flat_map(|i| format!("{{\"школа\": {i}}}\n").into_bytes())
            .collect();
        let large = answer(&text);
        assert!(large.bytes() * 4 < text.len(), "kept compressed");
        let response = large.response(&accepting("gzip"), AnswerFormat::Json.content_type());
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(response.headers()[header::VARY], "accept-encoding");
        let mut inflated = Vec::new();
        GzDecoder::new(&body(response).await[..])
            .read_to_end(&mut inflated)
            .unwrap();
        assert!(inflated == text);
        let response = large.response(&HeaderMap::new(), AnswerFormat::Json.content_type());
        assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(
            response.headers()[header::CONTENT_LENGTH],
            text.len().to_string()
        );
        assert!(body(response).await == text, "decompressed on the way");
    }
}
