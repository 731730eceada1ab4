//! [`TestApp`], the one helper of these tests: the dashboard over a database of its own,
//! called in-process through `tower::ServiceExt::oneshot` (no socket), and what its answers
//! are read with.
//!
//! ```ignore
//! let app = TestApp::new();                      // the four schools of `dataset`
//! let admin = app.login("admin").await;          // an account of `dataset::ACCOUNTS`
//! let page = app.get("/", &admin).await;         // or `None`: no session
//! let saved = app.post("/chats/school/0500000001", &admin, &[("op", "add")]).await;
//! let preview = app.upload("/import/preview", &admin, &[("dataset", "sferum")], ("f.csv", b"x")).await;
//! let sheets = app.get("/download/appendix.xlsx", &admin).await.sheets();
//! ```
//!
//! `post` and `upload` send the session's CSRF token with the form, as the pages do;
//! `post_form` and `send_multipart` send exactly the fields given, for a form a browser of
//! this site would never send. The addresses are written here again on purpose
//! ([`school_url`], [`muni_url`], [`chats_url`], [`encode`]): a test checks the server's
//! links, it does not compute them with the server's code.

pub mod dataset;

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use jiff::civil::Date;
use tower::ServiceExt;
use tsos_store::Store;
use tsos_web::{AppState, WebConfig};

pub use dataset::*;

/// The dashboard over a database of its own, in a folder that goes with it.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// The database, to check what a request stored.
    pub db: PathBuf,
    /// Holds the database and the files until the test ends.
    dir: tempfile::TempDir,
}

/// A logged-in browser: its session cookie and the CSRF token of its pages.
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// An answer, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestApp {
    /// The four schools and their accounts ([`Fixture::four_schools`]).
    pub fn new() -> TestApp {
        Fixture::four_schools().serve()
    }

    /// The four schools, served with the configuration `setup` adjusts.
    pub fn with_config(setup: impl FnOnce(&mut WebConfig)) -> TestApp {
        Fixture::four_schools().serve_with(setup)
    }

    /// The database, opened anew: what the server has stored so far.
    pub fn store(&self) -> Store {
        Store::open(&self.db).expect("store")
    }

    /// `text` written to the file `name` and imported as `dataset` at `as_of` while the
    /// dashboard serves, as `tsos import` would beside it.
    pub fn import(&self, dataset: &str, name: &str, text: &str, as_of: Date) {
        let path = write(self.dir.path(), name, text);
        import(&mut self.store(), &self.db, dataset, &path, as_of);
    }

    /// Files and folders left in the server's upload folder.
    pub fn uploads_left(&self) -> usize {
        fn count(dir: &Path) -> usize {
            std::fs::read_dir(dir)
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .map(|entry| 1 + count(&entry.path()))
                        .sum()
                })
                .unwrap_or(0)
        }
        count(self.state.upload_dir())
    }

    /// Any request.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes()
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    /// GET `path` in `session`, or with none.
    pub async fn get<'s>(&self, path: &str, session: impl Into<Option<&'s Session>>) -> Reply {
        let mut request = Request::get(path);
        if let Some(session) = session.into() {
            request = request.header(header::COOKIE, &session.cookie);
        }
        self.send(request.body(Body::empty()).expect("request"))
            .await
    }

    /// GET `path` with `Authorization: Bearer {token}` and no session, as a script sends it.
    pub async fn get_bearer(&self, path: &str, token: &str) -> Reply {
        self.send(
            Request::get(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    /// POSTs a form of `fields` in `session`, the session's CSRF token first, as its pages
    /// send it.
    pub async fn post(&self, path: &str, session: &Session, fields: &[(&str, &str)]) -> Reply {
        let mut all = vec![("csrf", session.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(path, &session.cookie, &all).await
    }

    /// POSTs a form of exactly `fields` with the cookies `cookie`.
    pub async fn post_form(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) -> Reply {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = Request::post(path)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(request).await
    }

    /// POSTs a multipart form of `fields` and the file `(name, bytes)` in `session`, the
    /// session's CSRF token first.
    pub async fn upload(
        &self,
        path: &str,
        session: &Session,
        fields: &[(&str, &str)],
        file: (&str, &[u8]),
    ) -> Reply {
        let mut all = vec![("csrf", session.csrf.as_str())];
        all.extend_from_slice(fields);
        self.send_multipart(path, &session.cookie, &all, file).await
    }

    /// POSTs a multipart form of exactly `fields` and the file `(name, bytes)` with the
    /// cookies `cookie`.
    pub async fn send_multipart(
        &self,
        path: &str,
        cookie: &str,
        fields: &[(&str, &str)],
        (name, bytes): (&str, &[u8]),
    ) -> Reply {
        let (content_type, body) = multipart(fields, Some(("file", name, bytes)));
        self.send(
            Request::post(path)
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .expect("request"),
        )
        .await
    }

    /// Submits the login form as a browser would: the form's page first, for its token.
    pub async fn try_login(&self, login: &str, password: &str) -> Reply {
        let form = self.get("/login", None).await;
        assert_eq!(form.status, StatusCode::OK);
        let token = form
            .cookie("tsos_login")
            .expect("the login form sets its token");
        assert_eq!(csrf_in(&form.text()), token);
        self.post_form(
            "/login",
            &format!("tsos_login={token}"),
            &[
                ("csrf", &token),
                ("login", login),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }

    /// Logs in as `login` with the [`PASSWORD`], and opens `/` for the CSRF token of the
    /// session's pages.
    pub async fn login(&self, login: &str) -> Session {
        let reply = self.try_login(login, PASSWORD).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let token = reply.cookie("tsos_session").expect("a session cookie");
        let cookie = format!("tsos_session={token}");
        let page = self
            .get(
                "/",
                &Session {
                    cookie: cookie.clone(),
                    csrf: String::new(),
                },
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        Session {
            csrf: csrf_in(&page.text()),
            cookie,
        }
    }
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("JSON ({err}): {}", self.text()))
    }

    /// The cells of every sheet of the workbook this reply is, sheet by sheet, row by row.
    #[track_caller]
    pub fn sheets(&self) -> Vec<Vec<String>> {
        use calamine::{Reader, Xlsx};
        let mut book: Xlsx<_> =
            Xlsx::new(std::io::Cursor::new(self.body.clone())).expect("a workbook");
        book.sheet_names()
            .iter()
            .map(|name| {
                let range = book.worksheet_range(name).expect("a sheet");
                range
                    .rows()
                    .flat_map(|row| row.iter().map(|cell| cell.to_string()))
                    .collect()
            })
            .collect()
    }

    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The value of a cookie this reply sets.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_string())
    }
}

/// `(content type, body)` of a multipart form.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "tsos-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, file_name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A query value or path segment, percent-encoded.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn school_url(inn: &str) -> String {
    format!("/school/{inn}")
}

pub fn muni_url(name: &str) -> String {
    format!("/municipality/{}", encode(name))
}

/// A school's chats page, where its edits are posted too.
pub fn chats_url(inn: &str) -> String {
    format!("/chats/school/{inn}")
}

/// The CSRF token of the first form of a page.
pub fn csrf_in(html: &str) -> String {
    let start = html
        .find(r#"name="csrf" value=""#)
        .expect("a form with a CSRF token")
        + r#"name="csrf" value=""#.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The token of the upload an import preview shows.
pub fn token_in(html: &str) -> String {
    let start = html
        .find(r#"name="token" value=""#)
        .expect("a confirm form")
        + r#"name="token" value=""#.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// The value the drop-down `name` of a page sends: its selected option's, or else its first
/// option's, as a browser has it.
pub fn selected_in(html: &str, name: &str) -> String {
    let start = html
        .find(&format!("<select name=\"{name}\""))
        .unwrap_or_else(|| panic!("a drop-down {name}: {html}"));
    let select = &html[start..];
    let select = &select[..select.find("</select>").expect("the drop-down ends")];
    let options: Vec<&str> = select.split("<option value=\"").skip(1).collect();
    options
        .iter()
        .find(|option| {
            option
                .split('>')
                .next()
                .unwrap_or_default()
                .contains(" selected")
        })
        .or(options.first())
        .and_then(|option| option.split('"').next())
        .unwrap_or_else(|| panic!("no options in {name}: {select}"))
        .to_string()
}
