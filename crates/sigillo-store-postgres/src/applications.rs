//! Submitted applications (domande) on PostgreSQL.
//!
//! Protocol numbers come from one counter row per year, raised by an upsert: its row lock makes
//! submissions of a year take numbers one after the other until they commit, so the numbers have
//! neither gaps nor duplicates (a sequence would be faster but leaves gaps on rollback).

use async_trait::async_trait;
use sigillo_domain::application::{Application, ApplicationType, protocol_number};
use sigillo_domain::audit::AuditEvent;
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::store::{ApplicationStore, StoreError};
use sqlx::postgres::PgRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{store_error, write_error};
use crate::row::Columns;
use crate::{PostgresStore, READ_COMMITTED, audit};

const NEXT_PROTOCOL: &str = "\
INSERT INTO protocol_counters (year, last) VALUES ($1, 1)
ON CONFLICT (year) DO UPDATE SET last = protocol_counters.last + 1
RETURNING last";

const INSERT: &str = "\
INSERT INTO applications (id, protocol, fiscal_code, kind, data, submitted_at) VALUES ($1, $2, $3, $4, $5, $6)";

/// The fiscal code is part of the key: a protocol number alone does not open someone else's application.
const SELECT_ONE: &str = "\
SELECT id, protocol, fiscal_code, kind, data, submitted_at FROM applications WHERE protocol = $1 AND fiscal_code = $2";

/// Served by `applications_by_fiscal_code`; the protocol breaks ties (the later one is the newer).
const SELECT_OF: &str = "\
SELECT id, protocol, fiscal_code, kind, data, submitted_at FROM applications WHERE fiscal_code = $1
ORDER BY submitted_at DESC, protocol DESC";

fn application_from_row(row: &PgRow) -> Result<Application, StoreError> {
    let c = Columns::new(row, "applications");
    Ok(Application {
        id: c.get("id")?,
        protocol: c.get("protocol")?,
        fiscal_code: c.fiscal_code("fiscal_code")?,
        kind: c.parse("kind", ApplicationType::parse)?,
        data: c.get("data")?,
        submitted_at: c.get("submitted_at")?,
    })
}

#[async_trait]
impl ApplicationStore for PostgresStore {
    async fn submit_application(
        &self,
        id: Uuid,
        code: &FiscalCode,
        kind: ApplicationType,
        data: &str,
        submitted_at: OffsetDateTime,
        audit: AuditEvent,
    ) -> Result<Application, StoreError> {
        let year = submitted_at.year();
        let mut tx = self.pool.begin_with(READ_COMMITTED).await.map_err(store_error)?;
        // Dropping `tx` on an early return rolls everything back, the counter included.
        let seq: i64 = sqlx::query_scalar(NEXT_PROTOCOL).bind(year).fetch_one(&mut *tx).await.map_err(write_error)?;
        let application = Application {
            id,
            protocol: protocol_number(year, seq),
            fiscal_code: *code,
            kind,
            data: data.to_owned(),
            submitted_at,
        };
        sqlx::query(INSERT)
            .bind(application.id)
            .bind(application.protocol.as_str())
            .bind(code.as_str())
            .bind(kind.as_str())
            .bind(data)
            .bind(submitted_at)
            .execute(&mut *tx)
            .await
            .map_err(write_error)?;
        audit::append(&mut tx, std::slice::from_ref(&audit)).await?;
        tx.commit().await.map_err(write_error)?;
        Ok(application)
    }

    async fn application(&self, code: &FiscalCode, protocol: &str) -> Result<Option<Application>, StoreError> {
        let row = sqlx::query(SELECT_ONE)
            .bind(protocol)
            .bind(code.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(application_from_row).transpose()
    }

    async fn applications_of(&self, code: &FiscalCode) -> Result<Vec<Application>, StoreError> {
        let rows = sqlx::query(SELECT_OF).bind(code.as_str()).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.iter().map(application_from_row).collect()
    }
}
