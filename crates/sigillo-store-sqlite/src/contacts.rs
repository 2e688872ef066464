//! Contacts added by citizens. They are saved through a commit ([`save`]), read and deleted here.

use async_trait::async_trait;
use sigillo_domain::contact::{Contact, ContactKind};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::store::{ContactStore, StoreError};
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;
use uuid::Uuid;

use crate::SqliteStore;
use crate::codec::{Columns, micros, opt_micros, uuid_text};
use crate::error::store_error;

macro_rules! contact_columns {
    () => {
        "id, fiscal_code, kind, value, verified_at, code_hash, code_expires_at, code_attempts, created_at"
    };
}

fn contact_from_row(row: &SqliteRow) -> Result<Contact, StoreError> {
    let c = Columns::new(row, "contacts");
    Ok(Contact {
        id: c.uuid("id")?,
        fiscal_code: c.fiscal_code("fiscal_code")?,
        kind: c.parsed("kind", ContactKind::parse)?,
        value: c.text("value")?,
        verified_at: c.opt_time("verified_at")?,
        code_hash: c.opt_text("code_hash")?,
        code_expires_at: c.opt_time("code_expires_at")?,
        code_attempts: c.count("code_attempts")?,
        created_at: c.time("created_at")?,
    })
}

/// Inserts the contact, or rewrites it by id (all but its identity: id, owner, creation time).
/// A second contact of the owner with the same kind and value fails on the unique key: `Conflict`
/// (see `error.rs`). An id that belongs to another citizen is a `Conflict` too: a contact never
/// changes hands.
pub(crate) async fn save(conn: &mut SqliteConnection, contact: &Contact) -> Result<(), StoreError> {
    let done = sqlx::query(
        "INSERT INTO contacts (id, fiscal_code, kind, value, verified_at, code_hash, code_expires_at, code_attempts, \
         created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, \
         value = excluded.value, verified_at = excluded.verified_at, code_hash = excluded.code_hash, \
         code_expires_at = excluded.code_expires_at, code_attempts = excluded.code_attempts \
         WHERE contacts.fiscal_code = excluded.fiscal_code",
    )
    .bind(uuid_text(contact.id))
    .bind(contact.fiscal_code.as_str())
    .bind(contact.kind.as_str())
    .bind(contact.value.as_str())
    .bind(opt_micros(contact.verified_at))
    .bind(contact.code_hash.as_deref())
    .bind(opt_micros(contact.code_expires_at))
    .bind(i64::from(contact.code_attempts))
    .bind(micros(contact.created_at))
    .execute(conn)
    .await
    .map_err(store_error)?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict("the contact belongs to another citizen".to_owned()))
    }
}

#[async_trait]
impl ContactStore for SqliteStore {
    async fn contacts_of(&self, code: &FiscalCode) -> Result<Vec<Contact>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            contact_columns!(),
            " FROM contacts WHERE fiscal_code = ? ORDER BY created_at, id"
        ))
        .bind(code.as_str())
        .fetch_all(&self.read)
        .await
        .map_err(store_error)?;
        rows.iter().map(contact_from_row).collect()
    }

    async fn contact(&self, code: &FiscalCode, id: Uuid) -> Result<Option<Contact>, StoreError> {
        let row =
            sqlx::query(concat!("SELECT ", contact_columns!(), " FROM contacts WHERE id = ? AND fiscal_code = ?"))
                .bind(uuid_text(id))
                .bind(code.as_str())
                .fetch_optional(&self.read)
                .await
                .map_err(store_error)?;
        row.as_ref().map(contact_from_row).transpose()
    }

    async fn delete_contact(&self, code: &FiscalCode, id: Uuid) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM contacts WHERE id = ? AND fiscal_code = ?")
            .bind(uuid_text(id))
            .bind(code.as_str())
            .execute(&self.write)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }
}
