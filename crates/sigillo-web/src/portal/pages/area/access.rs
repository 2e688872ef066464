//! `/area-riservata/accessi`: the citizen's last 50 audit entries as a table, in words.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use time::format_description::well_known::Rfc3339;

use super::{clock, events, no_store, ready_citizen, unavailable};
use crate::error::AppError;
use crate::portal::shell::{Ctx, Shell};
use crate::state::AppState;

/// Entries shown.
const LIMIT: u32 = 50;

#[derive(Template)]
#[template(path = "area_access.html")]
struct AccessPage {
    shell: Shell,
    rows: Vec<Row>,
}

struct Row {
    /// RFC 3339, for `<time datetime>`.
    iso: String,
    when: String,
    what: String,
    who: &'static str,
    from: Option<String>,
}

pub async fn page(State(state): State<AppState>, ctx: Ctx) -> Response {
    let (ctx, citizen) = match ready_citizen(ctx, "/area-riservata/accessi") {
        Ok(found) => found,
        Err(redirect) => return redirect,
    };
    let tr = ctx.shell.tr;
    let entries = match state.store.audit_of(&citizen.credential.fiscal_code, LIMIT).await {
        Ok(entries) => entries,
        Err(error) => return unavailable(ctx, AppError::from(error).status),
    };
    let rows = entries
        .into_iter()
        .map(|stored| {
            let e = stored.event;
            Row {
                iso: e.at.format(&Rfc3339).unwrap_or_default(),
                when: clock::date_time(e.at),
                what: events::phrase(tr, &e.event),
                who: events::actor(tr, &e.actor),
                from: e.client_ip.filter(|ip| !ip.is_empty()),
            }
        })
        .collect();
    let page = AccessPage { shell: ctx.shell.clone(), rows };
    no_store(ctx.page(&page))
}
