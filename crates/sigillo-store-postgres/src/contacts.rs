//! Citizens' own contacts on PostgreSQL; [`ContactStore`] for the store. Saved through commits
//! (upserts by id); a contact value is unique per citizen and kind (`contacts_one_per_value`), which
//! [`crate::error::store_error`] reports as a `Conflict`.

use async_trait::async_trait;
use sigillo_domain::contact::{Contact, ContactKind};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::store::{ContactStore, StoreError};
use sqlx::PgConnection;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use crate::PostgresStore;
use crate::error::{store_error, write_error};
use crate::row::{Columns, int4};

/// The columns of a contact, in the order of [`UPSERT`]'s parameters.
macro_rules! contact_columns {
    () => {
        "id, fiscal_code, kind, value, verified_at, code_hash, code_expires_at, code_attempts, created_at"
    };
}

/// Inserted, or replaced by id. The owner and the creation time are the contact's identity: a row
/// of another citizen with the same id is left alone, and the commit fails (no row is returned).
const UPSERT: &str = concat!(
    "INSERT INTO contacts (",
    contact_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, value = EXCLUDED.value, verified_at = EXCLUDED.verified_at,
    code_hash = EXCLUDED.code_hash, code_expires_at = EXCLUDED.code_expires_at, code_attempts = EXCLUDED.code_attempts
WHERE contacts.fiscal_code = EXCLUDED.fiscal_code"
);

/// Through `contacts_one_per_value`, whose leading column is the fiscal code; a citizen has a few.
pub(crate) const SELECT_OF: &str =
    concat!("SELECT ", contact_columns!(), " FROM contacts WHERE fiscal_code = $1 ORDER BY created_at, id");

/// By id, and only the citizen's own.
const SELECT_ONE: &str = concat!("SELECT ", contact_columns!(), " FROM contacts WHERE id = $1 AND fiscal_code = $2");

const DELETE: &str = "DELETE FROM contacts WHERE id = $1 AND fiscal_code = $2";

fn contact_from_row(row: &PgRow) -> Result<Contact, StoreError> {
    let c = Columns::new(row, "contacts");
    Ok(Contact {
        id: c.get("id")?,
        fiscal_code: c.fiscal_code("fiscal_code")?,
        kind: c.parse("kind", ContactKind::parse)?,
        value: c.get("value")?,
        verified_at: c.get("verified_at")?,
        code_hash: c.get("code_hash")?,
        code_expires_at: c.get("code_expires_at")?,
        code_attempts: c.count("code_attempts")?,
        created_at: c.get("created_at")?,
    })
}

/// Saves `contacts` (in id order, so that concurrent commits lock rows in one order).
pub(crate) async fn save(conn: &mut PgConnection, contacts: &[Contact]) -> Result<(), StoreError> {
    let mut sorted: Vec<&Contact> = contacts.iter().collect();
    sorted.sort_by_key(|c| c.id);
    for contact in sorted {
        let done = sqlx::query(UPSERT)
            .bind(contact.id)
            .bind(contact.fiscal_code.as_str())
            .bind(contact.kind.as_str())
            .bind(contact.value.as_str())
            .bind(contact.verified_at)
            .bind(contact.code_hash.as_deref())
            .bind(contact.code_expires_at)
            .bind(int4(contact.code_attempts))
            .bind(contact.created_at)
            .execute(&mut *conn)
            .await
            .map_err(write_error)?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!("contact {} belongs to another citizen", contact.id)));
        }
    }
    Ok(())
}

#[async_trait]
impl ContactStore for PostgresStore {
    async fn contacts_of(&self, code: &FiscalCode) -> Result<Vec<Contact>, StoreError> {
        let rows = sqlx::query(SELECT_OF).bind(code.as_str()).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.iter().map(contact_from_row).collect()
    }

    async fn contact(&self, code: &FiscalCode, id: Uuid) -> Result<Option<Contact>, StoreError> {
        let row = sqlx::query(SELECT_ONE)
            .bind(id)
            .bind(code.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(contact_from_row).transpose()
    }

    async fn delete_contact(&self, code: &FiscalCode, id: Uuid) -> Result<bool, StoreError> {
        let done = sqlx::query(DELETE).bind(id).bind(code.as_str()).execute(&self.pool).await.map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }
}
