//! Every route of the site in one place, with the layers every request passes: the answer
//! to a panic, the same-origin check of a POST, the security headers and the request's span
//! in the log.

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{MethodRouter, get, post};
use axum::{Extension, Router};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{login, same_origin};
use crate::data::AppState;
use crate::handlers::api::openapi::Document;
use crate::handlers::{
    account, api, area, assets, audit, chats, downloads, events, followup, health, import, notices,
    quality, snapshots, targets,
};
use crate::http::access::request_span;
use crate::http::error::WebError;
use crate::http::failsafe::{Answer, catch_panics};
use crate::http::openapi::ApiDoc;
use crate::http::upload::refuse_oversized;

/// What the pages may load: only this site's own stylesheet and script, no inline code, no
/// framing by other sites.
const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// `route` taking request bodies of at most `limit` bytes: 413 for a declared length over it,
/// before the body is read, and for a body that grows past it while read.
fn limited(route: MethodRouter<AppState>, limit: u64) -> MethodRouter<AppState> {
    route
        .layer(DefaultBodyLimit::max(
            usize::try_from(limit).unwrap_or(usize::MAX),
        ))
        .layer(from_fn_with_state(limit, refuse_oversized))
}

/// Every route of the API, each registered with its description from one `routes!`: a route
/// cannot be served without being described (`tests/web/openapi.rs` also asks each).
fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(api::report::show))
        .routes(routes!(api::school::show))
        .routes(routes!(api::municipality::show))
        .routes(routes!(api::dates::show))
        .routes(routes!(chats::api::report))
        .routes(routes!(chats::api::school))
        .routes(routes!(api::openapi::show))
}

/// The OpenAPI 3.1 description of the API, as `/api/openapi.json` serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_routes().split_for_parts().1
}

/// The whole site.
pub fn router(state: AppState) -> Router {
    let max_upload = state.max_upload();
    let pages = Router::new()
        // The account's own area and the drill-down.
        .route("/", get(area::overview::show))
        .route("/region/{name}", get(area::region::show))
        .route("/municipality/{name}", get(area::municipality::show))
        .route("/school/{inn}", get(area::school::show))
        .route("/snapshots", get(snapshots::show))
        .route("/quality", get(quality::show))
        .route("/audit", get(audit::show))
        // Dated events: everyone reads those of their scope, an admin edits.
        .route("/events", get(events::list::list).post(events::add::add))
        .route("/events/{id}/remove", post(events::remove::remove))
        // Targets: everyone reads them, an admin sets them.
        .route("/targets", get(targets::list::list).post(targets::set::set))
        .route("/targets/{id}/remove", post(targets::remove::remove))
        // Importing, by an admin.
        .route("/import", get(import::form::show))
        .route(
            "/import/preview",
            limited(post(import::preview::upload), max_upload),
        )
        .route("/import/remap", post(import::remap::apply))
        .route("/import/confirm", post(import::confirm::import))
        // Official chats.
        .route("/chats", get(chats::overview::show))
        .route(
            "/chats/school/{inn}",
            get(chats::school::show).post(chats::edit::save),
        )
        .route(
            "/chats/school/{inn}/upload",
            limited(post(chats::upload::save), chats::upload::MAX_UPLOAD),
        )
        .route(
            "/chats/school/{inn}/template.xlsx",
            get(chats::template::download),
        )
        // Notices and the schools' replies.
        .route("/notices", get(notices::list::show))
        .route(
            "/notices/school/{inn}/reply",
            limited(post(notices::reply::save), notices::reply::MAX_UPLOAD),
        )
        .route("/notices/reply/{id}/review", post(notices::review::save))
        .route("/notices/reply/{id}/file", get(notices::file::download))
        .route("/followup", get(followup::show::show))
        .route("/followup/resend", post(followup::resend::send))
        // Files.
        .route("/downloads", get(downloads::list::show))
        .route(
            "/download/appendix.xlsx",
            get(downloads::appendix::download),
        )
        .route("/download/chats.xlsx", get(chats::xlsx::download))
        .route("/download/opendata.zip", get(downloads::opendata::download))
        .route(
            "/download/letter/{id}/{file}",
            get(downloads::letter::download),
        )
        .route("/download/{file}", get(downloads::report::download))
        // The account's API tokens.
        .route("/account", get(account::show::show))
        .route("/account/tokens", post(account::add_token::add))
        .route(
            "/account/tokens/{id}/revoke",
            post(account::revoke_token::revoke),
        )
        // Sessions and assets.
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/assets/style.css", get(assets::style))
        .route("/assets/app.js", get(assets::script))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .fallback(async || WebError::NotFound);
    let (api, document) = api_routes().split_for_parts();
    let document = Document(
        serde_json::to_vec(&document)
            .expect("a document of strings and maps always serialises")
            .into(),
    );
    let api = api.layer(Extension(document));
    let site = catch_panics(pages, Answer::Page)
        .merge(catch_panics(api, Answer::Json))
        .layer(from_fn(same_origin))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    // The handlers' own layers answer their panics; this one is for the middleware above.
    catch_panics(site, Answer::Page)
        .layer(from_fn(request_span))
        .with_state(state)
}
