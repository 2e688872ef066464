//! Public flows as pages: `/richiedi-pin`, `/attiva-pin`, `/ripristina-pin`, `/revoca-pin`.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
