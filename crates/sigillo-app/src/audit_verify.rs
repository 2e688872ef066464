//! `sigillo audit verify`: walks the whole audit chain and names the first broken entry.

use sigillo_domain::audit::{ChainBreak, GENESIS_HASH, verify_chain};
use sigillo_domain::store::{AuditStore, StoreError};

const PAGE: u32 = 5_000;

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Intact { entries: u64 },
    Broken(ChainBreak),
}

pub async fn verify(store: &dyn AuditStore) -> Result<Verdict, StoreError> {
    let mut last = (0_i64, GENESIS_HASH.to_owned());
    let mut total = 0;
    loop {
        let page = store.audit_page(last.0, PAGE).await?;
        if page.is_empty() {
            return Ok(Verdict::Intact { entries: total });
        }
        match verify_chain(&page, &mut last) {
            Ok(n) => total += n,
            Err(broken) => return Ok(Verdict::Broken(broken)),
        }
    }
}
