use std::sync::Arc;

use sigillo_domain::store::Store;

/// What every handler may reach. Cheap to clone; holds no per-citizen state (nodes are stateless).
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> Self {
        AppState { store }
    }
}
