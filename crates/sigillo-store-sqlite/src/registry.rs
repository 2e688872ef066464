//! The insured-person registry on SQLite.
//!
//! Imports call [`RegistryStore::upsert_persons`] with thousands of people at a time, so a call is
//! one `BEGIN IMMEDIATE` transaction of multi-row upserts. Chunk sizes are powers of two, which
//! keeps the set of distinct statements small enough for every one of them to stay prepared.

use std::collections::HashSet;
use std::hash::Hash;
use std::sync::OnceLock;

use async_trait::async_trait;
use sigillo_domain::fiscal_code::{FiscalCode, Sex};
use sigillo_domain::registry::{ContributionYear, Email, HealthCard, InsuredPerson, PhoneNumber, Residence};
use sigillo_domain::store::{RegistryStore, StoreError};
use sqlx::error::BoxDynError;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Arguments, AssertSqlSafe, Row, SqlSafeStr, SqlStr};
use time::Date;

use crate::SqliteStore;
use crate::error::{corrupt, store_error};

/// Columns written by an upsert, in bind order (timestamps come from the column defaults).
const PERSON_COLUMNS: [&str; 16] = [
    "fiscal_code",
    "family_name",
    "given_name",
    "birth_date",
    "sex",
    "birth_place",
    "address",
    "postal_code",
    "municipality",
    "province",
    "country",
    "health_card_number",
    "health_card_expiry",
    "contribution_weeks",
    "mobile",
    "email",
];

/// Rows per upsert statement: 2^MAX_LOG_ROWS. 512 rows bind 8,192 values; 128 to 1,024 rows per
/// statement measured the same, the commit's page writes dominate.
const MAX_LOG_ROWS: usize = 9;
/// SQLite's default SQLITE_MAX_VARIABLE_NUMBER: a statement may bind no more values.
const MAX_BINDS: usize = 32_766;
const _: () = assert!((1 << MAX_LOG_ROWS) * PERSON_COLUMNS.len() <= MAX_BINDS);
/// Rows per contributions insert: 2^7 rows of 4 values.
const MAX_LOG_CONTRIBUTIONS: usize = 7;
const _: () = assert!((1 << MAX_LOG_CONTRIBUTIONS) * 4 <= MAX_BINDS);

const SELECT_PERSON: &str = "SELECT fiscal_code, family_name, given_name, birth_date, sex, birth_place, address, \
     postal_code, municipality, province, country, health_card_number, health_card_expiry, contribution_weeks, \
     mobile, email FROM insured_persons WHERE fiscal_code = ?";

/// The upsert statement for 2^log rows, built once per size.
fn upsert_sql(log: usize) -> SqlStr {
    static CACHE: [OnceLock<SqlStr>; MAX_LOG_ROWS + 1] = [const { OnceLock::new() }; MAX_LOG_ROWS + 1];
    CACHE[log.min(MAX_LOG_ROWS)]
        .get_or_init(|| {
            let row = format!("({})", vec!["?"; PERSON_COLUMNS.len()].join(","));
            let rows = vec![row.as_str(); 1 << log.min(MAX_LOG_ROWS)].join(",");
            let data = &PERSON_COLUMNS[1..];
            let set: Vec<String> = data.iter().map(|c| format!("{c} = excluded.{c}")).collect();
            let old: Vec<String> = data.iter().map(|c| format!("insured_persons.{c}")).collect();
            let new: Vec<String> = data.iter().map(|c| format!("excluded.{c}")).collect();
            // The WHERE skips rows that did not change, so re-importing the same file rewrites
            // nothing and `updated_at` tells when a person's data last changed.
            let sql = format!(
                "INSERT INTO insured_persons ({}) VALUES {rows} ON CONFLICT (fiscal_code) DO UPDATE SET {}, \
                 updated_at = excluded.updated_at WHERE ({}) IS NOT ({})",
                PERSON_COLUMNS.join(", "),
                set.join(", "),
                old.join(", "),
                new.join(", "),
            );
            AssertSqlSafe(sql).into_sql_str()
        })
        .clone()
}

fn insert_contributions_sql(log: usize) -> SqlStr {
    static CACHE: [OnceLock<SqlStr>; MAX_LOG_CONTRIBUTIONS + 1] =
        [const { OnceLock::new() }; MAX_LOG_CONTRIBUTIONS + 1];
    CACHE[log.min(MAX_LOG_CONTRIBUTIONS)]
        .get_or_init(|| {
            let rows = vec!["(?,?,?,?)"; 1 << log.min(MAX_LOG_CONTRIBUTIONS)].join(",");
            let sql = format!("INSERT INTO contributions (fiscal_code, year, employer, weeks) VALUES {rows}");
            AssertSqlSafe(sql).into_sql_str()
        })
        .clone()
}

/// log2 of the largest power of two that is at most `remaining` and 2^`max_log`.
fn chunk_log(remaining: usize, max_log: usize) -> usize {
    (remaining.max(1).ilog2() as usize).min(max_log)
}

/// The items in their original order, keeping only the last one with each key.
fn last_wins<'a, T, K: Eq + Hash>(items: &'a [T], key: impl Fn(&'a T) -> K) -> Vec<&'a T> {
    let mut seen = HashSet::with_capacity(items.len());
    let mut kept: Vec<&T> = items.iter().rev().filter(|item| seen.insert(key(item))).collect();
    kept.reverse();
    kept
}

fn sex_code(sex: Sex) -> &'static str {
    match sex {
        Sex::M => "M",
        Sex::F => "F",
    }
}

fn bind_person(args: &mut SqliteArguments, p: &InsuredPerson) -> Result<(), BoxDynError> {
    args.add(p.fiscal_code.as_str())?;
    args.add(p.family_name.as_str())?;
    args.add(p.given_name.as_str())?;
    args.add(p.birth_date)?;
    args.add(sex_code(p.sex))?;
    args.add(p.birth_place.as_str())?;
    args.add(p.residence.address.as_str())?;
    args.add(p.residence.postal_code.as_str())?;
    args.add(p.residence.municipality.as_str())?;
    args.add(p.residence.province.as_str())?;
    args.add(p.residence.country.as_str())?;
    args.add(p.health_card.number.as_str())?;
    args.add(p.health_card.expiry)?;
    args.add(i64::from(p.contribution_weeks))?;
    args.add(p.mobile.as_ref().map(PhoneNumber::as_str))?;
    args.add(p.email.as_ref().map(Email::as_str))
}

fn encode_error(_: BoxDynError) -> StoreError {
    StoreError::Other("a value could not be encoded for SQLite".to_owned())
}

/// Rebuilds a person through the domain's own parsers: the database is trusted, not blindly.
fn person_from_row(row: &SqliteRow) -> Result<InsuredPerson, StoreError> {
    let text = |column: &str| row.try_get::<String, _>(column).map_err(|_| corrupt(column));
    let date = |column: &str| row.try_get::<Date, _>(column).map_err(|_| corrupt(column));
    let optional = |column: &str| row.try_get::<Option<String>, _>(column).map_err(|_| corrupt(column));
    let weeks: i64 = row.try_get("contribution_weeks").map_err(|_| corrupt("contribution_weeks"))?;
    Ok(InsuredPerson {
        fiscal_code: FiscalCode::parse(&text("fiscal_code")?).map_err(|_| corrupt("fiscal_code"))?,
        family_name: text("family_name")?,
        given_name: text("given_name")?,
        birth_date: date("birth_date")?,
        sex: text("sex")?.parse().map_err(|_| corrupt("sex"))?,
        birth_place: text("birth_place")?,
        residence: Residence {
            address: text("address")?,
            postal_code: text("postal_code")?,
            municipality: text("municipality")?,
            province: text("province")?,
            country: text("country")?,
        },
        health_card: HealthCard { number: text("health_card_number")?, expiry: date("health_card_expiry")? },
        contribution_weeks: u32::try_from(weeks).map_err(|_| corrupt("contribution_weeks"))?,
        mobile: optional("mobile")?.map(|m| PhoneNumber::parse(&m)).transpose().map_err(|_| corrupt("mobile"))?,
        email: optional("email")?.map(|e| Email::parse(&e)).transpose().map_err(|_| corrupt("email"))?,
    })
}

#[async_trait]
impl RegistryStore for SqliteStore {
    async fn upsert_persons(&self, persons: &[InsuredPerson]) -> Result<(), StoreError> {
        let mut persons = last_wins(persons, |p| p.fiscal_code.as_str());
        if persons.is_empty() {
            return Ok(());
        }
        // The codes are unique now, so the order changes nothing stored; in code order the inserts
        // walk the fiscal-code index from one end to the other instead of jumping around it
        // (measured on a 1M-row import: about 15% less CPU and 7% fewer bytes written).
        persons.sort_unstable_by(|a, b| a.fiscal_code.as_str().cmp(b.fiscal_code.as_str()));
        // IMMEDIATE takes the write lock now, where the busy timeout applies, rather than at the
        // first insert, where a lock upgrade can fail at once.
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(store_error)?;
        let mut rest = persons.as_slice();
        while !rest.is_empty() {
            let log = chunk_log(rest.len(), MAX_LOG_ROWS);
            let (chunk, tail) = rest.split_at(1 << log);
            let mut args = SqliteArguments::default();
            args.reserve(chunk.len() * PERSON_COLUMNS.len(), 0);
            for person in chunk {
                bind_person(&mut args, person).map_err(encode_error)?;
            }
            sqlx::query_with(upsert_sql(log), args).execute(&mut *tx).await.map_err(store_error)?;
            rest = tail;
        }
        tx.commit().await.map_err(store_error)
    }

    async fn find_person(&self, code: &FiscalCode) -> Result<Option<InsuredPerson>, StoreError> {
        let row =
            sqlx::query(SELECT_PERSON).bind(code.as_str()).fetch_optional(&self.read).await.map_err(store_error)?;
        row.as_ref().map(person_from_row).transpose()
    }

    async fn count_persons(&self) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM insured_persons")
            .fetch_one(&self.read)
            .await
            .map_err(store_error)?;
        u64::try_from(count).map_err(|_| StoreError::Corrupt("negative row count".to_owned()))
    }

    async fn replace_contributions(&self, histories: &[(FiscalCode, Vec<ContributionYear>)]) -> Result<(), StoreError> {
        let histories = last_wins(histories, |(code, _)| code.as_str());
        for (_, years) in &histories {
            check_history(years)?;
        }
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(store_error)?;
        for (code, years) in histories {
            let known = sqlx::query("SELECT 1 FROM insured_persons WHERE fiscal_code = ?")
                .bind(code.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(store_error)?;
            if known.is_none() {
                // Dropping `tx` rolls back the histories already replaced in this call.
                return Err(StoreError::Other(
                    "contributions for a fiscal code that is not in the registry".to_owned(),
                ));
            }
            sqlx::query("DELETE FROM contributions WHERE fiscal_code = ?")
                .bind(code.as_str())
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
            let mut rest = years.as_slice();
            while !rest.is_empty() {
                let log = chunk_log(rest.len(), MAX_LOG_CONTRIBUTIONS);
                let (chunk, tail) = rest.split_at(1 << log);
                let mut args = SqliteArguments::default();
                for line in chunk {
                    args.add(code.as_str()).map_err(encode_error)?;
                    args.add(line.year).map_err(encode_error)?;
                    args.add(line.employer.as_str()).map_err(encode_error)?;
                    args.add(i64::from(line.weeks)).map_err(encode_error)?;
                }
                sqlx::query_with(insert_contributions_sql(log), args).execute(&mut *tx).await.map_err(store_error)?;
                rest = tail;
            }
        }
        tx.commit().await.map_err(store_error)
    }

    async fn contributions(&self, code: &FiscalCode) -> Result<Vec<ContributionYear>, StoreError> {
        // BINARY collation: byte order, the same as PostgreSQL's "C" on the other backend.
        let rows = sqlx::query(
            "SELECT year, employer, weeks FROM contributions WHERE fiscal_code = ? ORDER BY year, employer",
        )
        .bind(code.as_str())
        .fetch_all(&self.read)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let bad = |_| StoreError::Corrupt("contributions row".to_owned());
                let weeks: i64 = row.try_get("weeks").map_err(bad)?;
                Ok(ContributionYear {
                    year: row.try_get("year").map_err(bad)?,
                    employer: row.try_get("employer").map_err(bad)?,
                    weeks: u32::try_from(weeks).map_err(|_| StoreError::Corrupt("contributions.weeks".to_owned()))?,
                })
            })
            .collect()
    }
}

/// A history may not list the same year and employer twice: which line would be the true one?
fn check_history(years: &[ContributionYear]) -> Result<(), StoreError> {
    let mut seen = HashSet::with_capacity(years.len());
    if years.iter().all(|c| seen.insert((c.year, c.employer.as_str()))) {
        Ok(())
    } else {
        Err(StoreError::Other("a contribution history lists the same year and employer twice".to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_powers_of_two_capped() {
        assert_eq!(chunk_log(1, MAX_LOG_ROWS), 0);
        assert_eq!(chunk_log(3, MAX_LOG_ROWS), 1);
        assert_eq!(chunk_log(1000, MAX_LOG_ROWS), MAX_LOG_ROWS);
        assert_eq!(chunk_log(300, MAX_LOG_ROWS), 8);
    }

    #[test]
    fn last_wins_keeps_order_of_survivors() {
        let items = [("a", 1), ("b", 2), ("a", 3), ("c", 4)];
        let kept: Vec<_> = last_wins(&items, |(k, _)| *k).into_iter().copied().collect();
        assert_eq!(kept, vec![("b", 2), ("a", 3), ("c", 4)]);
    }

    #[test]
    fn upsert_statement_binds_sixteen_values_per_row() {
        let sql = upsert_sql(2);
        assert_eq!(sql.as_str().matches('?').count(), 4 * PERSON_COLUMNS.len());
        assert!(sql.as_str().len() > 100);
    }
}
