//! Submitted applications and their protocol numbers: one counter row per year, raised inside the
//! transaction that stores the application, so numbers are unique and have no gaps.

use async_trait::async_trait;
use sigillo_domain::application::{Application, ApplicationType, protocol_number};
use sigillo_domain::audit::AuditEvent;
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::store::{ApplicationStore, StoreError};
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::codec::{Columns, micros, stored_time, uuid_text};
use crate::error::store_error;
use crate::{SqliteStore, audit};

macro_rules! application_columns {
    () => {
        "id, protocol, fiscal_code, kind, data, submitted_at"
    };
}

fn application_from_row(row: &SqliteRow) -> Result<Application, StoreError> {
    let c = Columns::new(row, "applications");
    Ok(Application {
        id: c.uuid("id")?,
        protocol: c.text("protocol")?,
        fiscal_code: c.fiscal_code("fiscal_code")?,
        kind: c.parsed("kind", ApplicationType::parse)?,
        data: c.text("data")?,
        submitted_at: c.time("submitted_at")?,
    })
}

#[async_trait]
impl ApplicationStore for SqliteStore {
    async fn submit_application(
        &self,
        id: Uuid,
        code: &FiscalCode,
        kind: ApplicationType,
        data: &str,
        submitted_at: OffsetDateTime,
        audit: AuditEvent,
    ) -> Result<Application, StoreError> {
        // The year as the caller's offset sees it: the use case decides which calendar counts.
        let year = submitted_at.year();
        let submitted_at = stored_time(submitted_at)?;
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(store_error)?;
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO protocol_counters (year, last) VALUES (?, 1) \
             ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last",
        )
        .bind(year)
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        let application = Application {
            id,
            protocol: protocol_number(year, seq),
            fiscal_code: *code,
            kind,
            data: data.to_owned(),
            submitted_at,
        };
        sqlx::query(
            "INSERT INTO applications (id, protocol, fiscal_code, kind, data, submitted_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(uuid_text(application.id))
        .bind(application.protocol.as_str())
        .bind(code.as_str())
        .bind(kind.as_str())
        .bind(data)
        .bind(micros(submitted_at))
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        audit::append(&mut tx, std::slice::from_ref(&audit)).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(application)
    }

    async fn application(&self, code: &FiscalCode, protocol: &str) -> Result<Option<Application>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            application_columns!(),
            " FROM applications WHERE protocol = ? AND fiscal_code = ?"
        ))
        .bind(protocol)
        .bind(code.as_str())
        .fetch_optional(&self.read)
        .await
        .map_err(store_error)?;
        row.as_ref().map(application_from_row).transpose()
    }

    async fn applications_of(&self, code: &FiscalCode) -> Result<Vec<Application>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            application_columns!(),
            " FROM applications WHERE fiscal_code = ? ORDER BY submitted_at DESC, protocol DESC"
        ))
        .bind(code.as_str())
        .fetch_all(&self.read)
        .await
        .map_err(store_error)?;
        rows.iter().map(application_from_row).collect()
    }
}
