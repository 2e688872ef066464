//! Reading rows back into domain values: every column goes through the domain's own parsers, and a
//! value that does not decode is reported by table and column, never by content.

use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::store::StoreError;
use sqlx::postgres::{PgRow, Postgres};
use sqlx::{Decode, Row, Type};
use time::OffsetDateTime;

use crate::error::corrupt_in;

/// A row of `table`, for decoding.
pub(crate) struct Columns<'r> {
    row: &'r PgRow,
    table: &'static str,
}

impl<'r> Columns<'r> {
    pub(crate) fn new(row: &'r PgRow, table: &'static str) -> Columns<'r> {
        Columns { row, table }
    }

    pub(crate) fn get<T>(&self, column: &str) -> Result<T, StoreError>
    where
        T: Decode<'r, Postgres> + Type<Postgres>,
    {
        self.row.try_get(column).map_err(|_| corrupt_in(self.table, column))
    }

    /// A text column turned into a domain value by `parse` (`None`: not valid).
    pub(crate) fn parse<T>(&self, column: &str, parse: impl FnOnce(&str) -> Option<T>) -> Result<T, StoreError> {
        let text: String = self.get(column)?;
        parse(&text).ok_or_else(|| corrupt_in(self.table, column))
    }

    pub(crate) fn fiscal_code(&self, column: &str) -> Result<FiscalCode, StoreError> {
        self.parse(column, |text| FiscalCode::parse(text).ok())
    }

    pub(crate) fn optional_fiscal_code(&self, column: &str) -> Result<Option<FiscalCode>, StoreError> {
        let text: Option<String> = self.get(column)?;
        text.map(|text| FiscalCode::parse(&text).map_err(|_| corrupt_in(self.table, column))).transpose()
    }

    /// A non-negative integer column as a `u32`.
    pub(crate) fn count(&self, column: &str) -> Result<u32, StoreError> {
        let value: i32 = self.get(column)?;
        u32::try_from(value).map_err(|_| corrupt_in(self.table, column))
    }
}

/// A counter as an `integer` column; counters saturate rather than fail.
pub(crate) fn int4(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// A limit as a bigint for `LIMIT`.
pub(crate) fn limit(value: u32) -> i64 {
    i64::from(value)
}

/// `at` rounded down to the microsecond: what `timestamptz` keeps. Values that are hashed are
/// truncated before hashing, so what is read back hashes identically.
pub(crate) fn micros(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(at.nanosecond() / 1_000 * 1_000).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::micros;

    #[test]
    fn micros_truncates_towards_the_past() {
        assert_eq!(micros(datetime!(2026-01-01 0:00:00.123_456_789 UTC)), datetime!(2026-01-01 0:00:00.123_456 UTC));
        assert_eq!(micros(datetime!(1969-12-31 23:59:59.999_999_999 UTC)), datetime!(1969-12-31 23:59:59.999_999 UTC));
    }
}
