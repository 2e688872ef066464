use std::sync::Arc;

use sigillo_app::Sigillo;
use sigillo_domain::store::Store;

/// What every handler may reach. Cheap to clone; holds no per-citizen state (nodes are stateless).
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub sigillo: Sigillo,
    /// Where the `files` delivery writes the demo mailbox (`None`: no demo mailbox page).
    pub mailbox_dir: Option<std::path::PathBuf>,
    pub demo_mailbox: bool,
}

impl AppState {
    pub fn new(sigillo: Sigillo) -> Self {
        AppState { store: sigillo.store.clone(), sigillo, mailbox_dir: None, demo_mailbox: false }
    }

    /// Shows the demo mailbox of the `files` delivery at `/demo/posta`.
    pub fn with_demo_mailbox(mut self, mailbox_dir: std::path::PathBuf) -> Self {
        self.mailbox_dir = Some(mailbox_dir);
        self.demo_mailbox = true;
        self
    }
}
