//! What the notices page shows of a thread of a school's replies: the indicator the letter
//! named, its figures then, the state, and every reply with its reviews, formatted.

use tsos_app::replies::ReplyThread;
use tsos_domain::{Catalogue, format_date_ru};
use tsos_report::ru;
use tsos_store::{StoredReply, StoredReview};

use super::moscow_time;

pub(crate) struct ThreadView {
    /// The form's and the page anchor's key: `letter-org-platform-role`.
    pub key: String,
    pub letter_id: i64,
    pub letter: String,
    pub deadline: String,
    pub inn: String,
    pub school: String,
    pub municipality: String,
    pub indicator: String,
    pub platform: String,
    pub role: String,
    pub share: String,
    pub target: String,
    /// `ReplyState::code`, also the CSS class of the state's badge.
    pub state: &'static str,
    pub state_title: &'static str,
    /// Newest first, as people read a correspondence.
    pub replies: Vec<ReplyView>,
    /// The id of the reply the authority may review now.
    pub reviewable: Option<i64>,
    pub may_reply: bool,
}

pub(crate) struct ReplyView {
    pub when: String,
    pub login: String,
    pub reason: &'static str,
    pub text: String,
    pub measures: String,
    pub expected_by: String,
    /// (href, label) of the attached file.
    pub file: Option<(String, String)>,
    pub reviews: Vec<ReviewView>,
}

pub(crate) struct ReviewView {
    pub when: String,
    pub login: String,
    pub decision: &'static str,
    pub comment: String,
}

/// «ФГИС «Моя школа», педагоги»: the indicator as the notices page names it.
pub(crate) fn indicator_label(catalogue: &Catalogue, platform: &str, role: &str) -> String {
    let name = catalogue
        .get(platform)
        .map_or(platform, |p| p.name.as_str());
    format!("{name}, {role}")
}

pub(crate) fn thread_view(catalogue: &Catalogue, thread: &ReplyThread) -> ThreadView {
    let item = &thread.item;
    let letter = &thread.letter;
    ThreadView {
        key: format!(
            "{}-{}-{}-{}",
            letter.id,
            item.org_id,
            item.platform,
            item.role.code()
        ),
        letter_id: letter.id,
        letter: format!("№ {} от {}", letter.number, format_date_ru(letter.date)),
        deadline: format_date_ru(letter.deadline),
        inn: item.org_id.clone(),
        school: item.name.clone(),
        municipality: thread.municipality.clone(),
        indicator: indicator_label(catalogue, &item.platform, item.role.title_ru()),
        platform: item.platform.clone(),
        role: item.role.code().to_string(),
        share: ru::percent(item.share),
        target: ru::percent(item.target),
        state: thread.state.code(),
        state_title: thread.state.title_ru(),
        replies: thread.replies.iter().rev().map(reply_view).collect(),
        reviewable: thread
            .latest()
            .filter(|_| thread.state.may_review())
            .map(|r| r.id),
        may_reply: thread.state.may_reply(),
    }
}

fn reply_view(reply: &StoredReply) -> ReplyView {
    ReplyView {
        when: moscow_time(&reply.replied_at),
        login: reply.login.clone(),
        reason: reply.reply.reason.title_ru(),
        text: reply.reply.text.clone(),
        measures: reply.reply.measures.clone(),
        expected_by: format_date_ru(reply.reply.expected_by),
        file: reply.attachment.as_ref().map(|file| {
            (
                format!("/notices/reply/{}/file", reply.id),
                format!(
                    "{} ({}, {} КБ)",
                    file.file_name,
                    file.kind.title_ru(),
                    ru::integer(file.size.div_ceil(1024))
                ),
            )
        }),
        reviews: reply.reviews.iter().map(review_view).collect(),
    }
}

fn review_view(review: &StoredReview) -> ReviewView {
    ReviewView {
        when: moscow_time(&review.reviewed_at),
        login: review.login.clone(),
        decision: review.decision.title_ru(),
        comment: review.comment.clone(),
    }
}
