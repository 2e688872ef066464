//! The insured-person registry on PostgreSQL.
//!
//! An upsert call is one statement whatever its size: each column travels as one array and
//! `UNNEST` turns the arrays back into rows, so the statement text never changes, stays prepared,
//! and binds 16 values instead of 16 per person.

use std::collections::HashSet;
use std::hash::Hash;

use async_trait::async_trait;
use sigillo_domain::fiscal_code::{FiscalCode, Sex};
use sigillo_domain::registry::{ContributionYear, Email, HealthCard, InsuredPerson, PhoneNumber, Residence};
use sigillo_domain::store::{RegistryStore, StoreError};
use sqlx::Row;
use sqlx::postgres::PgRow;
use time::Date;

use crate::PostgresStore;
use crate::error::{corrupt, store_error};

/// Data columns in the order of the UNNEST arrays. The WHERE skips rows that did not change, so
/// re-importing the same file writes no new row versions (no bloat, no WAL) and `updated_at` tells
/// when a person's data last changed.
const UPSERT: &str = "\
INSERT INTO insured_persons (fiscal_code, family_name, given_name, birth_date, sex, birth_place, address,
    postal_code, municipality, province, country, health_card_number, health_card_expiry, contribution_weeks,
    mobile, email)
SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::date[], $5::text[], $6::text[], $7::text[],
    $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::date[], $14::int4[], $15::text[], $16::text[])
ON CONFLICT (fiscal_code) DO UPDATE SET
    family_name = EXCLUDED.family_name, given_name = EXCLUDED.given_name, birth_date = EXCLUDED.birth_date,
    sex = EXCLUDED.sex, birth_place = EXCLUDED.birth_place, address = EXCLUDED.address,
    postal_code = EXCLUDED.postal_code, municipality = EXCLUDED.municipality, province = EXCLUDED.province,
    country = EXCLUDED.country, health_card_number = EXCLUDED.health_card_number,
    health_card_expiry = EXCLUDED.health_card_expiry, contribution_weeks = EXCLUDED.contribution_weeks,
    mobile = EXCLUDED.mobile, email = EXCLUDED.email, updated_at = now()
WHERE (insured_persons.family_name, insured_persons.given_name, insured_persons.birth_date, insured_persons.sex,
    insured_persons.birth_place, insured_persons.address, insured_persons.postal_code, insured_persons.municipality,
    insured_persons.province, insured_persons.country, insured_persons.health_card_number,
    insured_persons.health_card_expiry, insured_persons.contribution_weeks, insured_persons.mobile,
    insured_persons.email)
IS DISTINCT FROM (EXCLUDED.family_name, EXCLUDED.given_name, EXCLUDED.birth_date, EXCLUDED.sex,
    EXCLUDED.birth_place, EXCLUDED.address, EXCLUDED.postal_code, EXCLUDED.municipality, EXCLUDED.province,
    EXCLUDED.country, EXCLUDED.health_card_number, EXCLUDED.health_card_expiry, EXCLUDED.contribution_weeks,
    EXCLUDED.mobile, EXCLUDED.email)";

const SELECT_PERSON: &str = "SELECT fiscal_code, family_name, given_name, birth_date, sex, birth_place, address, \
     postal_code, municipality, province, country, health_card_number, health_card_expiry, contribution_weeks, \
     mobile, email FROM insured_persons WHERE fiscal_code = $1";

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

fn int4(value: u32, what: &str) -> Result<i32, StoreError> {
    i32::try_from(value).map_err(|_| StoreError::Other(format!("{what} out of range")))
}

/// One array per column, borrowing from the persons.
#[derive(Default)]
struct Columns<'a> {
    fiscal_code: Vec<&'a str>,
    family_name: Vec<&'a str>,
    given_name: Vec<&'a str>,
    birth_date: Vec<Date>,
    sex: Vec<&'static str>,
    birth_place: Vec<&'a str>,
    address: Vec<&'a str>,
    postal_code: Vec<&'a str>,
    municipality: Vec<&'a str>,
    province: Vec<&'a str>,
    country: Vec<&'a str>,
    health_card_number: Vec<&'a str>,
    health_card_expiry: Vec<Date>,
    contribution_weeks: Vec<i32>,
    mobile: Vec<Option<&'a str>>,
    email: Vec<Option<&'a str>>,
}

impl<'a> Columns<'a> {
    fn push(&mut self, p: &'a InsuredPerson) -> Result<(), StoreError> {
        self.fiscal_code.push(p.fiscal_code.as_str());
        self.family_name.push(&p.family_name);
        self.given_name.push(&p.given_name);
        self.birth_date.push(p.birth_date);
        self.sex.push(sex_code(p.sex));
        self.birth_place.push(&p.birth_place);
        self.address.push(&p.residence.address);
        self.postal_code.push(&p.residence.postal_code);
        self.municipality.push(&p.residence.municipality);
        self.province.push(&p.residence.province);
        self.country.push(&p.residence.country);
        self.health_card_number.push(&p.health_card.number);
        self.health_card_expiry.push(p.health_card.expiry);
        self.contribution_weeks.push(int4(p.contribution_weeks, "contribution_weeks")?);
        self.mobile.push(p.mobile.as_ref().map(PhoneNumber::as_str));
        self.email.push(p.email.as_ref().map(Email::as_str));
        Ok(())
    }
}

/// Rebuilds a person through the domain's own parsers: the database is trusted, not blindly.
fn person_from_row(row: &PgRow) -> Result<InsuredPerson, StoreError> {
    let text = |column: &str| row.try_get::<String, _>(column).map_err(|_| corrupt(column));
    let date = |column: &str| row.try_get::<Date, _>(column).map_err(|_| corrupt(column));
    let optional = |column: &str| row.try_get::<Option<String>, _>(column).map_err(|_| corrupt(column));
    let weeks: i32 = row.try_get("contribution_weeks").map_err(|_| corrupt("contribution_weeks"))?;
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
impl RegistryStore for PostgresStore {
    async fn upsert_persons(&self, persons: &[InsuredPerson]) -> Result<(), StoreError> {
        // PostgreSQL refuses an upsert that touches the same row twice, hence the dedupe. Sorting
        // makes concurrent imports lock rows in the same order, so they wait instead of deadlocking.
        let mut persons = last_wins(persons, |p| p.fiscal_code.as_str());
        if persons.is_empty() {
            return Ok(());
        }
        persons.sort_unstable_by(|a, b| a.fiscal_code.as_str().cmp(b.fiscal_code.as_str()));
        let mut c = Columns::default();
        for person in persons {
            c.push(person)?;
        }
        sqlx::query(UPSERT)
            .bind(c.fiscal_code)
            .bind(c.family_name)
            .bind(c.given_name)
            .bind(c.birth_date)
            .bind(c.sex)
            .bind(c.birth_place)
            .bind(c.address)
            .bind(c.postal_code)
            .bind(c.municipality)
            .bind(c.province)
            .bind(c.country)
            .bind(c.health_card_number)
            .bind(c.health_card_expiry)
            .bind(c.contribution_weeks)
            .bind(c.mobile)
            .bind(c.email)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn find_person(&self, code: &FiscalCode) -> Result<Option<InsuredPerson>, StoreError> {
        let row =
            sqlx::query(SELECT_PERSON).bind(code.as_str()).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.as_ref().map(person_from_row).transpose()
    }

    async fn count_persons(&self) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM insured_persons")
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        u64::try_from(count).map_err(|_| StoreError::Corrupt("negative row count".to_owned()))
    }

    async fn replace_contributions(&self, histories: &[(FiscalCode, Vec<ContributionYear>)]) -> Result<(), StoreError> {
        let mut histories = last_wins(histories, |(code, _)| code.as_str());
        histories.sort_unstable_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        let codes: Vec<&str> = histories.iter().map(|(code, _)| code.as_str()).collect();
        let lines = histories.iter().map(|(_, years)| years.len()).sum();
        let (mut line_codes, mut years, mut employers, mut weeks) = (
            Vec::with_capacity(lines),
            Vec::with_capacity(lines),
            Vec::with_capacity(lines),
            Vec::with_capacity(lines),
        );
        for (code, history) in &histories {
            check_history(history)?;
            for line in history {
                line_codes.push(code.as_str());
                years.push(line.year);
                employers.push(line.employer.as_str());
                weeks.push(int4(line.weeks, "contribution weeks")?);
            }
        }

        let mut tx = self.pool.begin().await.map_err(store_error)?;
        // FOR KEY SHARE keeps the persons from being deleted until the new lines are in.
        let known: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM (SELECT 1 FROM insured_persons WHERE fiscal_code = ANY($1) FOR KEY SHARE) AS p",
        )
        .bind(&codes)
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        if usize::try_from(known).ok() != Some(codes.len()) {
            // Dropping `tx` rolls back: nothing of this call is stored.
            return Err(StoreError::Other("contributions for a fiscal code that is not in the registry".to_owned()));
        }
        sqlx::query("DELETE FROM contributions WHERE fiscal_code = ANY($1)")
            .bind(&codes)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        sqlx::query(
            "INSERT INTO contributions (fiscal_code, year, employer, weeks) \
             SELECT * FROM UNNEST($1::text[], $2::int4[], $3::text[], $4::int4[])",
        )
        .bind(line_codes)
        .bind(years)
        .bind(employers)
        .bind(weeks)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)
    }

    async fn contributions(&self, code: &FiscalCode) -> Result<Vec<ContributionYear>, StoreError> {
        // `employer` is COLLATE "C": byte order, the same as SQLite's BINARY on the other backend.
        let rows = sqlx::query(
            "SELECT year, employer, weeks FROM contributions WHERE fiscal_code = $1 ORDER BY year, employer",
        )
        .bind(code.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let bad = |_| StoreError::Corrupt("contributions row".to_owned());
                let weeks: i32 = row.try_get("weeks").map_err(bad)?;
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
