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
