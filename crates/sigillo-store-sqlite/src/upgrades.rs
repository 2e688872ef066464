//! Upgrade requests to a PIN dispositivo and their documents (BLOBs in the database).

use async_trait::async_trait;
use sigillo_domain::audit::AuditEvent;
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::store::{StoreError, UpgradeStore};
use sigillo_domain::upgrade::{Document, DocumentInfo, FileType, Slot, UpgradeRequest, UpgradeStatus};
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;
use uuid::Uuid;

use crate::codec::{Columns, micros, opt_micros, uuid_text};
use crate::error::store_error;
use crate::{SqliteStore, audit};

const REQUEST_COLUMNS: &str = "id, fiscal_code, credential_id, status, submitted_at, decided_at, decided_by, reason";

fn request_from_row(row: &SqliteRow) -> Result<UpgradeRequest, StoreError> {
    let c = Columns::new(row, "upgrade_requests");
    Ok(UpgradeRequest {
        id: c.uuid("id")?,
        fiscal_code: c.fiscal_code("fiscal_code")?,
        credential_id: c.uuid("credential_id")?,
        status: c.parsed("status", UpgradeStatus::parse)?,
        submitted_at: c.time("submitted_at")?,
        decided_at: c.opt_time("decided_at")?,
        decided_by: c.opt_text("decided_by")?,
        reason: c.opt_text("reason")?,
    })
}

/// Writes a decision if the stored request is still pending; otherwise `Conflict`.
pub(crate) async fn decide(conn: &mut SqliteConnection, request: &UpgradeRequest) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE upgrade_requests SET status = ?, decided_at = ?, decided_by = ?, reason = ? \
         WHERE id = ? AND status = 'pending'",
    )
    .bind(request.status.as_str())
    .bind(opt_micros(request.decided_at))
    .bind(request.decided_by.as_deref())
    .bind(request.reason.as_deref())
    .bind(uuid_text(request.id))
    .execute(conn)
    .await
    .map_err(store_error)?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict("the upgrade request is no longer pending".to_owned()))
    }
}

#[async_trait]
impl UpgradeStore for SqliteStore {
    async fn submit_upgrade(
        &self,
        request: &UpgradeRequest,
        documents: &[Document],
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(store_error)?;
        sqlx::query(
            "INSERT INTO upgrade_requests (id, fiscal_code, credential_id, status, submitted_at, decided_at, \
             decided_by, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(uuid_text(request.id))
        .bind(request.fiscal_code.as_str())
        .bind(uuid_text(request.credential_id))
        .bind(request.status.as_str())
        .bind(micros(request.submitted_at))
        .bind(opt_micros(request.decided_at))
        .bind(request.decided_by.as_deref())
        .bind(request.reason.as_deref())
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        for document in documents {
            sqlx::query(
                "INSERT INTO upgrade_documents (request_id, slot, file_type, size, content) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(uuid_text(request.id))
            .bind(document.slot.as_str())
            .bind(document.file_type.as_str())
            .bind(i64::try_from(document.bytes.len()).unwrap_or(i64::MAX))
            .bind(document.bytes.as_slice())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        audit::append(&mut tx, &[audit]).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn upgrade_request(&self, id: Uuid) -> Result<Option<UpgradeRequest>, StoreError> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM upgrade_requests WHERE id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(uuid_text(id))
            .fetch_optional(&self.read)
            .await
            .map_err(store_error)?;
        row.as_ref().map(request_from_row).transpose()
    }

    async fn upgrade_requests_of(&self, code: &FiscalCode) -> Result<Vec<UpgradeRequest>, StoreError> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM upgrade_requests WHERE fiscal_code = ? ORDER BY submitted_at DESC, id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(code.as_str())
            .fetch_all(&self.read)
            .await
            .map_err(store_error)?;
        rows.iter().map(request_from_row).collect()
    }

    async fn pending_upgrades(&self, limit: u32) -> Result<Vec<UpgradeRequest>, StoreError> {
        // The WHERE is the queue index's own.
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM upgrade_requests WHERE status = 'pending' ORDER BY submitted_at, id LIMIT ?"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(store_error)?;
        rows.iter().map(request_from_row).collect()
    }

    async fn upgrade_documents(&self, request: Uuid) -> Result<Vec<DocumentInfo>, StoreError> {
        let rows = sqlx::query("SELECT slot, file_type, size FROM upgrade_documents WHERE request_id = ?")
            .bind(uuid_text(request))
            .fetch_all(&self.read)
            .await
            .map_err(store_error)?;
        let mut infos = rows
            .iter()
            .map(|row| {
                let c = Columns::new(row, "upgrade_documents");
                Ok(DocumentInfo {
                    slot: c.parsed("slot", Slot::parse)?,
                    file_type: c.parsed("file_type", FileType::parse)?,
                    size: u64::try_from(c.int("size")?).map_err(|_| c.corrupt("size"))?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        infos.sort_by_key(|d| d.slot);
        Ok(infos)
    }

    async fn upgrade_document(&self, request: Uuid, slot: Slot) -> Result<Option<Document>, StoreError> {
        let row = sqlx::query("SELECT file_type, content FROM upgrade_documents WHERE request_id = ? AND slot = ?")
            .bind(uuid_text(request))
            .bind(slot.as_str())
            .fetch_optional(&self.read)
            .await
            .map_err(store_error)?;
        let Some(row) = row else { return Ok(None) };
        let c = Columns::new(&row, "upgrade_documents");
        let bytes: Vec<u8> = sqlx::Row::try_get(&row, "content").map_err(|_| c.corrupt("content"))?;
        Ok(Some(Document { slot, file_type: c.parsed("file_type", FileType::parse)?, bytes }))
    }
}
