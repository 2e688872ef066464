//! Reserved-area services and information pages: contacts, access history, `/converti-pin`,
//! `/aiuto`, `/demo/posta`.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
