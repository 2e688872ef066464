//! [`Changes`] as one PostgreSQL transaction.
//!
//! Order: credential updates, then inserts (so that revoking the live credential and creating its
//! successor can share a commit: the partial unique index is checked row by row), recoveries
//! updated then inserted, contacts saved, letters withdrawn, sessions ended and opened, login
//! counters cleared, operators and their sessions written, identity checks recorded, upgrade requests decided, messages queued, and the audit entries last, because
//! appending takes the one lock every node shares and holds it until the commit: everything
//! else is done by then. Rows of one kind are written in key order, so two commits touching the
//! same rows wait for each other instead of deadlocking.

use sigillo_domain::credential::Credential;
use sigillo_domain::recovery::Recovery;
use sigillo_domain::store::{Changes, StoreError};
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use crate::error::{store_error, write_error};
use crate::{READ_COMMITTED, audit, contacts, credentials, operators, outbox, recoveries, sessions, upgrades};

pub(crate) async fn commit(pool: &PgPool, changes: Changes, now: OffsetDateTime) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut tx = pool.begin_with(READ_COMMITTED).await.map_err(store_error)?;
    if let Err(err) = apply(&mut tx, &changes, now).await {
        // Say so now rather than when the connection goes back to the pool.
        if let Err(rollback) = tx.rollback().await {
            tracing::warn!(error = %rollback, "rolling back a failed commit failed");
        }
        return Err(err);
    }
    tx.commit().await.map_err(write_error)
}

async fn apply(conn: &mut PgConnection, changes: &Changes, now: OffsetDateTime) -> Result<(), StoreError> {
    let mut updates: Vec<&Credential> = changes.update_credentials.iter().collect();
    updates.sort_by_key(|c| c.id);
    for credential in updates {
        if !credentials::update(conn, credential).await.map_err(write_error)? {
            return Err(StoreError::Conflict(format!(
                "credential {} changed since version {} was read",
                credential.id, credential.version
            )));
        }
    }

    let mut inserts: Vec<&Credential> = changes.insert_credentials.iter().collect();
    inserts.sort_by(|a, b| a.fiscal_code.as_str().cmp(b.fiscal_code.as_str()));
    for credential in inserts {
        credentials::insert(conn, credential).await.map_err(write_error)?;
    }

    let mut updates: Vec<&Recovery> = changes.update_recoveries.iter().collect();
    updates.sort_by_key(|r| r.id);
    for recovery in updates {
        if !recoveries::update(conn, recovery).await.map_err(write_error)? {
            return Err(StoreError::Conflict(format!(
                "recovery {} changed since version {} was read",
                recovery.id, recovery.version
            )));
        }
    }
    for recovery in &changes.insert_recoveries {
        recoveries::insert(conn, recovery).await.map_err(write_error)?;
    }

    contacts::save(conn, &changes.save_contacts).await?;
    outbox::cancel_letters(conn, &changes.cancel_letters).await?;

    sessions::end_all_of(conn, &changes.end_sessions_of, now).await.map_err(write_error)?;
    for session in &changes.open_sessions {
        sessions::insert(conn, session).await.map_err(write_error)?;
    }
    credentials::clear_attempts(conn, &changes.clear_attempts).await.map_err(write_error)?;
    operators::apply(conn, changes, now).await?;
    upgrades::decide(conn, &changes.decide_upgrades).await?;
    outbox::enqueue(conn, &changes.messages).await?;
    audit::append(conn, &changes.audit).await
}
