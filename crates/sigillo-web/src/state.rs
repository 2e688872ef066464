use std::sync::Arc;

use sigillo_app::Sigillo;
use sigillo_domain::store::Store;

/// What every handler may reach. Cheap to clone; holds no per-citizen state (nodes are stateless).
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub sigillo: Sigillo,
}

impl AppState {
    pub fn new(sigillo: Sigillo) -> Self {
        AppState { store: sigillo.store.clone(), sigillo }
    }
}
