//! `/demo/posta`: the demo mailbox of the `files` delivery (API.md "Demo mailbox"), newest first,
//! optionally for one fiscal code, with the half-PINs, codes and links in plain sight (it is a
//! demo) and each letter's PDF at `/demo/posta/<id>.pdf`. Absent (404) unless the delivery is
//! `files`.

use std::path::PathBuf;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sigillo_app::delivery::{MailboxEntry, list_mailbox};
use sigillo_domain::outbox::{Channel, MessageKind};
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::{clock, no_store, not_found};
use crate::portal::i18n::Tr;
use crate::portal::shell::{Ctx, Shell};
use crate::state::AppState;

/// Messages shown at most (the filter narrows them down).
const SHOWN: usize = 200;

#[derive(Template)]
#[template(path = "area_mailbox.html")]
struct MailboxPage {
    shell: Shell,
    /// The filter as normalised.
    cf: String,
    total: usize,
    rows: Vec<Row>,
}

impl MailboxPage {
    fn shown(&self) -> usize {
        self.rows.len()
    }
}

struct Row {
    id: String,
    kind: &'static str,
    channel: &'static str,
    to: String,
    fiscal_code: String,
    iso: String,
    when: String,
    subject: Option<String>,
    body: Vec<String>,
    pin_half: Option<String>,
    code: Option<String>,
    link: Option<String>,
    /// The link as a path of this site, when it is one of ours to follow.
    href: Option<String>,
    pdf: Option<String>,
}

fn mailbox_dir(state: &AppState) -> Option<PathBuf> {
    state.mailbox_dir.clone().filter(|_| state.demo_mailbox)
}

#[derive(Deserialize)]
pub struct Filter {
    cf: Option<String>,
}

/// The fiscal code as stored: upper case, no spaces.
fn normalize_cf(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect()
}

/// A message's link as a path and query of this site (the mailbox shows links to this service),
/// so that it works whatever host name the demo is reached by; nothing for anything else.
fn local_href(link: &str) -> Option<String> {
    let path = match link.strip_prefix("https://").or_else(|| link.strip_prefix("http://")) {
        Some(rest) => &rest[rest.find('/')?..],
        None => link,
    };
    (path.starts_with('/') && !path.starts_with("//") && !path.contains('\\')).then(|| path.to_owned())
}

fn kind_label(tr: Tr, kind: MessageKind) -> &'static str {
    tr.t(&format!("area_mk_{}", kind.as_str()))
}

fn channel_label(tr: Tr, channel: Channel) -> &'static str {
    tr.t(&format!("area_ch_{}", channel.as_str()))
}

fn row(tr: Tr, e: MailboxEntry) -> Row {
    let pdf = (e.channel == Channel::Letter && e.pdf.is_some()).then(|| format!("/demo/posta/{}.pdf", e.id));
    Row {
        id: e.id.to_string(),
        kind: kind_label(tr, e.kind),
        channel: channel_label(tr, e.channel),
        to: e.to,
        fiscal_code: e.fiscal_code,
        iso: e.created_at.format(&Rfc3339).unwrap_or_default(),
        when: clock::date_time(e.created_at),
        subject: e.subject.filter(|s| !s.is_empty()),
        body: e.body.lines().map(str::trim_end).filter(|l| !l.is_empty()).map(str::to_owned).collect(),
        pin_half: e.pin_half,
        code: e.code,
        href: e.link.as_deref().and_then(local_href),
        link: e.link,
        pdf,
    }
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, Query(filter): Query<Filter>) -> Response {
    let Some(dir) = mailbox_dir(&state) else { return not_found(ctx) };
    let tr = ctx.shell.tr;
    let cf = normalize_cf(filter.cf.as_deref().unwrap_or_default());
    // Reading the folder is blocking file I/O.
    let entries = tokio::task::spawn_blocking(move || list_mailbox(&dir)).await.unwrap_or_default();
    let matching: Vec<MailboxEntry> = entries.into_iter().filter(|e| cf.is_empty() || e.fiscal_code == cf).collect();
    let total = matching.len();
    let rows = matching.into_iter().take(SHOWN).map(|e| row(tr, e)).collect();
    let page = MailboxPage { shell: ctx.shell.clone(), cf, total, rows };
    no_store(ctx.page(&page))
}

/// `<id>.pdf`: a letter's PDF, the id checked to be a UUID (so no other file can be named).
pub async fn letter_pdf(State(state): State<AppState>, ctx: Ctx, Path(file): Path<String>) -> Response {
    let Some(dir) = mailbox_dir(&state) else { return not_found(ctx) };
    let Some(id) = file.strip_suffix(".pdf").and_then(|id| Uuid::parse_str(id).ok()) else { return not_found(ctx) };
    let path = dir.join(Channel::Letter.as_str()).join(format!("{}.pdf", id.hyphenated()));
    match tokio::fs::read(&path).await {
        Ok(pdf) => no_store(
            (
                [
                    (header::CONTENT_TYPE, "application/pdf".to_owned()),
                    (header::CONTENT_DISPOSITION, format!("inline; filename=\"lettera-{id}.pdf\"")),
                ],
                pdf,
            )
                .into_response(),
        ),
        Err(_) => not_found(ctx),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_become_paths_of_this_site() {
        assert_eq!(
            local_href("http://127.0.0.1:8080/ripristina-pin/conferma?token=abc").as_deref(),
            Some("/ripristina-pin/conferma?token=abc")
        );
        assert_eq!(local_href("https://pin.example.it/accedi").as_deref(), Some("/accedi"));
        assert_eq!(local_href("/accedi").as_deref(), Some("/accedi"));
    }

    #[test]
    fn nothing_else_becomes_a_link() {
        assert_eq!(local_href("javascript:alert(1)"), None);
        assert_eq!(local_href("http://evil.example//other.example/x"), None);
        assert_eq!(local_href("//other.example/x"), None);
        assert_eq!(local_href("http://host-without-path"), None);
        assert_eq!(local_href("http://host/\\x"), None);
    }

    #[test]
    fn the_filter_forgives_case_and_spaces() {
        assert_eq!(normalize_cf(" rssmra80a01 h501u "), "RSSMRA80A01H501U");
    }

    #[test]
    fn every_kind_and_channel_has_words() {
        use sigillo_domain::Lang;
        for tr in [Tr { lang: Lang::It }, Tr { lang: Lang::En }] {
            for kind in MessageKind::ALL {
                assert_ne!(kind_label(tr, kind), "??", "{kind:?}");
            }
            for channel in Channel::ALL {
                assert_ne!(channel_label(tr, channel), "??", "{channel:?}");
            }
        }
    }
}
