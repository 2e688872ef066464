//! Upgrade requests to a PIN dispositivo and their documents (`bytea`) on PostgreSQL.

use async_trait::async_trait;
use sigillo_domain::audit::AuditEvent;
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::store::{StoreError, UpgradeStore};
use sigillo_domain::upgrade::{Document, DocumentInfo, FileType, Slot, UpgradeRequest, UpgradeStatus};
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgConnection};
use uuid::Uuid;

use crate::error::{corrupt_in, store_error, write_error};
use crate::row::{Columns, limit};
use crate::{PostgresStore, READ_COMMITTED, audit};

const REQUEST_COLUMNS: &str = "id, fiscal_code, credential_id, status, submitted_at, decided_at, decided_by, reason";

fn request_from_row(row: &PgRow) -> Result<UpgradeRequest, StoreError> {
    let c = Columns::new(row, "upgrade_requests");
    Ok(UpgradeRequest {
        id: c.get("id")?,
        fiscal_code: c.fiscal_code("fiscal_code")?,
        credential_id: c.get("credential_id")?,
        status: c.parse("status", UpgradeStatus::parse)?,
        submitted_at: c.get("submitted_at")?,
        decided_at: c.get("decided_at")?,
        decided_by: c.get("decided_by")?,
        reason: c.get("reason")?,
    })
}

/// The decisions of a commit, in id order; each only if the stored request is still pending.
pub(crate) async fn decide(conn: &mut PgConnection, requests: &[UpgradeRequest]) -> Result<(), StoreError> {
    let mut sorted: Vec<&UpgradeRequest> = requests.iter().collect();
    sorted.sort_by_key(|r| r.id);
    for request in sorted {
        let done = sqlx::query(
            "UPDATE upgrade_requests SET status = $2, decided_at = $3, decided_by = $4, reason = $5 \
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(request.id)
        .bind(request.status.as_str())
        .bind(request.decided_at)
        .bind(request.decided_by.as_deref())
        .bind(request.reason.as_deref())
        .execute(&mut *conn)
        .await
        .map_err(write_error)?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!("upgrade request {} is no longer pending", request.id)));
        }
    }
    Ok(())
}

#[async_trait]
impl UpgradeStore for PostgresStore {
    async fn submit_upgrade(
        &self,
        request: &UpgradeRequest,
        documents: &[Document],
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with(READ_COMMITTED).await.map_err(store_error)?;
        // Dropping `tx` on an early return rolls everything back.
        sqlx::query(
            "INSERT INTO upgrade_requests (id, fiscal_code, credential_id, status, submitted_at, decided_at, \
             decided_by, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(request.id)
        .bind(request.fiscal_code.as_str())
        .bind(request.credential_id)
        .bind(request.status.as_str())
        .bind(request.submitted_at)
        .bind(request.decided_at)
        .bind(request.decided_by.as_deref())
        .bind(request.reason.as_deref())
        .execute(&mut *tx)
        .await
        .map_err(write_error)?;
        for document in documents {
            sqlx::query(
                "INSERT INTO upgrade_documents (request_id, slot, file_type, size, content) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(request.id)
            .bind(document.slot.as_str())
            .bind(document.file_type.as_str())
            .bind(i32::try_from(document.bytes.len()).unwrap_or(i32::MAX))
            .bind(document.bytes.as_slice())
            .execute(&mut *tx)
            .await
            .map_err(write_error)?;
        }
        audit::append(&mut tx, std::slice::from_ref(&audit)).await?;
        tx.commit().await.map_err(write_error)
    }

    async fn upgrade_request(&self, id: Uuid) -> Result<Option<UpgradeRequest>, StoreError> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM upgrade_requests WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.as_ref().map(request_from_row).transpose()
    }

    async fn upgrade_requests_of(&self, code: &FiscalCode) -> Result<Vec<UpgradeRequest>, StoreError> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM upgrade_requests WHERE fiscal_code = $1 ORDER BY submitted_at DESC, id DESC"
        );
        let rows =
            sqlx::query(AssertSqlSafe(sql)).bind(code.as_str()).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.iter().map(request_from_row).collect()
    }

    async fn pending_upgrades(&self, max: u32) -> Result<Vec<UpgradeRequest>, StoreError> {
        // The WHERE is the queue index's own.
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM upgrade_requests WHERE status = 'pending' ORDER BY submitted_at, id LIMIT $1"
        );
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(limit(max)).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.iter().map(request_from_row).collect()
    }

    async fn upgrade_documents(&self, request: Uuid) -> Result<Vec<DocumentInfo>, StoreError> {
        let rows = sqlx::query("SELECT slot, file_type, size FROM upgrade_documents WHERE request_id = $1")
            .bind(request)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        let mut infos = rows
            .iter()
            .map(|row| {
                let c = Columns::new(row, "upgrade_documents");
                let size: i32 = c.get("size")?;
                Ok(DocumentInfo {
                    slot: c.parse("slot", Slot::parse)?,
                    file_type: c.parse("file_type", FileType::parse)?,
                    size: u64::try_from(size).map_err(|_| corrupt_in("upgrade_documents", "size"))?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        infos.sort_by_key(|d| d.slot);
        Ok(infos)
    }

    async fn upgrade_document(&self, request: Uuid, slot: Slot) -> Result<Option<Document>, StoreError> {
        let row = sqlx::query("SELECT file_type, content FROM upgrade_documents WHERE request_id = $1 AND slot = $2")
            .bind(request)
            .bind(slot.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        let Some(row) = row else { return Ok(None) };
        let c = Columns::new(&row, "upgrade_documents");
        Ok(Some(Document { slot, file_type: c.parse("file_type", FileType::parse)?, bytes: c.get("content")? }))
    }
}
