use askama::Template;
use axum::response::Response;

use crate::portal::shell::{Ctx, Shell};

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    shell: Shell,
}

pub async fn page(ctx: Ctx) -> Response {
    let shell = ctx.shell.clone();
    ctx.page(&Home { shell })
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFound {
    shell: Shell,
}

/// Any path nothing else serves: a page of the portal, in the visitor's language.
pub async fn not_found(ctx: Ctx) -> Response {
    let shell = ctx.shell.clone();
    ctx.page_with_status(axum::http::StatusCode::NOT_FOUND, &NotFound { shell })
}
