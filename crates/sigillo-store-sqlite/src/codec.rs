//! Values as SQLite stores them: timestamps as Unix microseconds, UUIDs as hyphenated text, enums
//! by their domain names. Reading goes back through the domain's parsers, so a row that no longer
//! parses is [`StoreError::Corrupt`], naming the column and never the value.

use std::time::Duration;

use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::store::StoreError;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::corrupt_in;

/// Unix microseconds: what both backends store exactly (finer digits are dropped, rounding down).
pub(crate) fn micros(at: OffsetDateTime) -> i64 {
    // ±9999 years are ±3.2e17 µs: always inside i64.
    i64::try_from(at.unix_timestamp_nanos().div_euclid(1000)).unwrap_or(i64::MAX)
}

/// `at` as it will be read back: to the microsecond, in UTC.
pub(crate) fn stored_time(at: OffsetDateTime) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros(at)) * 1000)
        .map_err(|_| StoreError::Other("a time is out of range".to_owned()))
}

pub(crate) fn opt_micros(at: Option<OffsetDateTime>) -> Option<i64> {
    at.map(micros)
}

/// A lease or delay in microseconds, saturating.
pub(crate) fn duration_micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

pub(crate) fn uuid_text(id: Uuid) -> String {
    id.hyphenated().to_string()
}

/// Reads one row's columns as domain values; errors name `table.column`.
pub(crate) struct Columns<'r> {
    row: &'r SqliteRow,
    table: &'static str,
}

impl<'r> Columns<'r> {
    pub(crate) fn new(row: &'r SqliteRow, table: &'static str) -> Columns<'r> {
        Columns { row, table }
    }

    pub(crate) fn corrupt(&self, column: &str) -> StoreError {
        corrupt_in(self.table, column)
    }

    pub(crate) fn text(&self, column: &str) -> Result<String, StoreError> {
        self.row.try_get::<String, _>(column).map_err(|_| self.corrupt(column))
    }

    pub(crate) fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
        self.row.try_get::<Option<String>, _>(column).map_err(|_| self.corrupt(column))
    }

    pub(crate) fn int(&self, column: &str) -> Result<i64, StoreError> {
        self.row.try_get::<i64, _>(column).map_err(|_| self.corrupt(column))
    }

    pub(crate) fn count(&self, column: &str) -> Result<u32, StoreError> {
        u32::try_from(self.int(column)?).map_err(|_| self.corrupt(column))
    }

    pub(crate) fn time(&self, column: &str) -> Result<OffsetDateTime, StoreError> {
        self.time_of(column, self.int(column)?)
    }

    pub(crate) fn opt_time(&self, column: &str) -> Result<Option<OffsetDateTime>, StoreError> {
        let value = self.row.try_get::<Option<i64>, _>(column).map_err(|_| self.corrupt(column))?;
        value.map(|micros| self.time_of(column, micros)).transpose()
    }

    fn time_of(&self, column: &str, micros: i64) -> Result<OffsetDateTime, StoreError> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).map_err(|_| self.corrupt(column))
    }

    pub(crate) fn uuid(&self, column: &str) -> Result<Uuid, StoreError> {
        Uuid::parse_str(&self.text(column)?).map_err(|_| self.corrupt(column))
    }

    pub(crate) fn opt_uuid(&self, column: &str) -> Result<Option<Uuid>, StoreError> {
        self.opt_text(column)?.map(|text| Uuid::parse_str(&text).map_err(|_| self.corrupt(column))).transpose()
    }

    pub(crate) fn fiscal_code(&self, column: &str) -> Result<FiscalCode, StoreError> {
        FiscalCode::parse(&self.text(column)?).map_err(|_| self.corrupt(column))
    }

    pub(crate) fn opt_fiscal_code(&self, column: &str) -> Result<Option<FiscalCode>, StoreError> {
        self.opt_text(column)?.map(|text| FiscalCode::parse(&text).map_err(|_| self.corrupt(column))).transpose()
    }

    /// A text column through one of the domain's `parse` functions (states, kinds, channels…).
    pub(crate) fn parsed<T>(&self, column: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, StoreError> {
        parse(&self.text(column)?).ok_or_else(|| self.corrupt(column))
    }

    /// A JSON text column.
    pub(crate) fn json<T: serde::de::DeserializeOwned>(&self, column: &str) -> Result<T, StoreError> {
        serde_json::from_str(&self.text(column)?).map_err(|_| self.corrupt(column))
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn microseconds_round_down_also_before_1970() {
        assert_eq!(micros(datetime!(1970-01-01 0:00:00.000_001_999 UTC)), 1);
        assert_eq!(micros(datetime!(1969-12-31 23:59:59.999_999_5 UTC)), -1);
        assert_eq!(micros(datetime!(2026-03-01 10:00:00.123_456 UTC)), 1_772_359_200_123_456);
    }
}
