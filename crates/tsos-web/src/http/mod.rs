//! The bottom layer: what a request and its answer are made of, whoever asks and whatever
//! the data. The one error type and how it reaches the browser ([`error`]), answers of every
//! kind ([`response`]), the dates and levels a query asks for ([`query`]), the site's
//! addresses ([`urls`]), a form's uploaded files ([`upload`]), what a panic becomes
//! ([`failsafe`]), each request's line in the log ([`access`]) and the API's OpenAPI
//! description ([`openapi`]). Nothing here knows the database, an account or a page of its
//! own.

pub(crate) mod access;
pub(crate) mod error;
pub(crate) mod failsafe;
pub(crate) mod openapi;
pub(crate) mod query;
pub(crate) mod response;
pub(crate) mod upload;
pub(crate) mod urls;
