//! Pension slips of the registry's pensioners on PostgreSQL: a replace call is one DELETE and one
//! INSERT … SELECT FROM UNNEST, whatever the number of persons and slips.

use std::collections::HashSet;

use async_trait::async_trait;
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::pension::{PensionKind, PensionSlip};
use sigillo_domain::store::{PensionStore, StoreError};
use sqlx::Row;

use crate::PostgresStore;
use crate::error::store_error;

#[async_trait]
impl PensionStore for PostgresStore {
    async fn replace_pension_slips(&self, slips: &[(FiscalCode, Vec<PensionSlip>)]) -> Result<(), StoreError> {
        let mut lists = last_wins(slips);
        lists.sort_unstable_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        let codes: Vec<&str> = lists.iter().map(|(code, _)| code.as_str()).collect();
        let rows: usize = lists.iter().map(|(_, list)| list.len()).sum();
        let mut c = Columns::with_capacity(rows);
        for (code, list) in &lists {
            check_slips(list)?;
            for slip in list {
                c.codes.push(code.as_str());
                c.years.push(slip.year());
                c.months.push(i16::from(slip.month()));
                c.kinds.push(slip.kind().as_str());
                c.gross.push(slip.gross_cents());
                c.tax.push(slip.tax_cents());
                c.other.push(slip.other_deductions_cents());
                c.net.push(slip.net_cents());
            }
        }

        let mut tx = self.pool.begin().await.map_err(store_error)?;
        // FOR KEY SHARE keeps the persons from being deleted until the new slips are in.
        let known: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM (SELECT 1 FROM insured_persons WHERE fiscal_code = ANY($1) FOR KEY SHARE) AS p",
        )
        .bind(&codes)
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        if usize::try_from(known).ok() != Some(codes.len()) {
            // Dropping `tx` rolls back: nothing of this call is stored.
            return Err(StoreError::Other("pension slips for a fiscal code that is not in the registry".to_owned()));
        }
        sqlx::query("DELETE FROM pension_slips WHERE fiscal_code = ANY($1)")
            .bind(&codes)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        sqlx::query(
            "INSERT INTO pension_slips (fiscal_code, year, month, kind, gross_cents, tax_cents, \
             other_deductions_cents, net_cents) \
             SELECT * FROM UNNEST($1::text[], $2::int4[], $3::int2[], $4::text[], $5::int8[], $6::int8[], \
             $7::int8[], $8::int8[])",
        )
        .bind(c.codes)
        .bind(c.years)
        .bind(c.months)
        .bind(c.kinds)
        .bind(c.gross)
        .bind(c.tax)
        .bind(c.other)
        .bind(c.net)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)
    }

    async fn pension_slips(&self, code: &FiscalCode) -> Result<Vec<PensionSlip>, StoreError> {
        let rows = sqlx::query(
            "SELECT year, month, kind, gross_cents, tax_cents, other_deductions_cents, net_cents \
             FROM pension_slips WHERE fiscal_code = $1",
        )
        .bind(code.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let mut slips = rows
            .iter()
            .map(|row| {
                let bad = |_| StoreError::Corrupt("pension_slips row".to_owned());
                let month: i16 = row.try_get("month").map_err(bad)?;
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
        // Newest month first, then by kind.
        slips.sort_by(|a, b| (b.year(), b.month(), a.kind()).cmp(&(a.year(), a.month(), b.kind())));
        Ok(slips)
    }
}

/// One array per column of the UNNEST.
struct Columns<'a> {
    codes: Vec<&'a str>,
    years: Vec<i32>,
    months: Vec<i16>,
    kinds: Vec<&'static str>,
    gross: Vec<i64>,
    tax: Vec<i64>,
    other: Vec<i64>,
    net: Vec<i64>,
}

impl Columns<'_> {
    fn with_capacity(n: usize) -> Self {
        Columns {
            codes: Vec::with_capacity(n),
            years: Vec::with_capacity(n),
            months: Vec::with_capacity(n),
            kinds: Vec::with_capacity(n),
            gross: Vec::with_capacity(n),
            tax: Vec::with_capacity(n),
            other: Vec::with_capacity(n),
            net: Vec::with_capacity(n),
        }
    }
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
