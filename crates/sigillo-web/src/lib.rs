//! The HTTP edge of Sigillo: one axum router serving portal, API and ops endpoints on one port.
//! Handlers extract, call a use case, and render; the rules live in `sigillo-app` and `sigillo-domain`.

mod api;
mod backoffice;
mod error;
mod metrics;
mod oidc;
pub mod portal;
mod routes;
mod state;
mod upload;

pub use api::ApiDoc;
pub use error::AppError;
pub use metrics::metrics_handle;
pub use routes::router;
pub use state::AppState;
