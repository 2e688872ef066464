//! Pension slips of the registry's pensioners.

use std::collections::HashSet;

use async_trait::async_trait;
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::pension::{PensionKind, PensionSlip};
use sigillo_domain::store::{PensionStore, StoreError};
use sqlx::Row;

use crate::SqliteStore;
use crate::error::store_error;

#[async_trait]
impl PensionStore for SqliteStore {
    async fn replace_pension_slips(&self, slips: &[(FiscalCode, Vec<PensionSlip>)]) -> Result<(), StoreError> {
        let lists = last_wins(slips);
        for (_, list) in &lists {
            check_slips(list)?;
        }
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(store_error)?;
        for (code, list) in lists {
            let known = sqlx::query("SELECT 1 FROM insured_persons WHERE fiscal_code = ?")
                .bind(code.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(store_error)?;
            if known.is_none() {
                // Dropping `tx` rolls back the lists already replaced in this call.
                return Err(StoreError::Other(
                    "pension slips for a fiscal code that is not in the registry".to_owned(),
                ));
            }
            sqlx::query("DELETE FROM pension_slips WHERE fiscal_code = ?")
                .bind(code.as_str())
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
            for slip in list {
                sqlx::query(
                    "INSERT INTO pension_slips (fiscal_code, year, month, kind, gross_cents, tax_cents, \
                     other_deductions_cents, net_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(code.as_str())
                .bind(slip.year())
                .bind(i64::from(slip.month()))
                .bind(slip.kind().as_str())
                .bind(slip.gross_cents())
                .bind(slip.tax_cents())
                .bind(slip.other_deductions_cents())
                .bind(slip.net_cents())
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
            }
        }
        tx.commit().await.map_err(store_error)
    }

    async fn pension_slips(&self, code: &FiscalCode) -> Result<Vec<PensionSlip>, StoreError> {
        let rows = sqlx::query(
            "SELECT year, month, kind, gross_cents, tax_cents, other_deductions_cents, net_cents \
             FROM pension_slips WHERE fiscal_code = ?",
        )
        .bind(code.as_str())
        .fetch_all(&self.read)
        .await
        .map_err(store_error)?;
        let mut slips = rows
            .iter()
            .map(|row| {
                let bad = |_| StoreError::Corrupt("pension_slips row".to_owned());
                let month: i64 = row.try_get("month").map_err(bad)?;
                let kind: String = row.try_get("kind").map_err(bad)?;
                PensionSlip::new(
                    row.try_get("year").map_err(bad)?,
                    u8::try_from(month).map_err(|_| StoreError::Corrupt("pension_slips.month".to_owned()))?,
                    PensionKind::parse(&kind).ok_or_else(|| StoreError::Corrupt("pension_slips.kind".to_owned()))?,
                    row.try_get("gross_cents").map_err(bad)?,
                    row.try_get("tax_cents").map_err(bad)?,
                    row.try_get("other_deductions_cents").map_err(bad)?,
                    row.try_get("net_cents").map_err(bad)?,
                )
                .map_err(|e| StoreError::Corrupt(format!("pension_slips: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        sort_newest_first(&mut slips);
        Ok(slips)
    }
}

/// Newest month first, then by kind.
fn sort_newest_first(slips: &mut [PensionSlip]) {
    slips.sort_by(|a, b| (b.year(), b.month(), a.kind()).cmp(&(a.year(), a.month(), b.kind())));
}

/// The lists in their original order, keeping only the last one of each fiscal code.
fn last_wins(slips: &[(FiscalCode, Vec<PensionSlip>)]) -> Vec<&(FiscalCode, Vec<PensionSlip>)> {
    let mut seen = HashSet::with_capacity(slips.len());
    let mut kept: Vec<_> = slips.iter().rev().filter(|(code, _)| seen.insert(*code)).collect();
    kept.reverse();
    kept
}

/// A list may not hold the same month and kind twice: which payment would be the true one?
fn check_slips(slips: &[PensionSlip]) -> Result<(), StoreError> {
    let mut seen = HashSet::with_capacity(slips.len());
    if slips.iter().all(|s| seen.insert((s.year(), s.month(), s.kind()))) {
        Ok(())
    } else {
        Err(StoreError::Other("a pension slip list holds the same year, month and kind twice".to_owned()))
    }
}
