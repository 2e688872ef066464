-- The insured-person registry (anagrafica assicurati).
--
-- STRICT: SQLite checks each column's type instead of silently storing whatever it is given.
-- WITHOUT ROWID: the fiscal code is the only key, so the table is a single B-tree ordered by it;
-- a rowid table would keep a second B-tree for the primary-key index and write both on every import.
-- Timestamps are Unix seconds: 20 million rows make 24-byte text timestamps cost about a gigabyte.
CREATE TABLE insured_persons (
    fiscal_code        TEXT    NOT NULL PRIMARY KEY CHECK (length(fiscal_code) = 16),
    family_name        TEXT    NOT NULL,
    given_name         TEXT    NOT NULL,
    birth_date         TEXT    NOT NULL,  -- YYYY-MM-DD
    sex                TEXT    NOT NULL CHECK (sex IN ('M', 'F')),
    birth_place        TEXT    NOT NULL CHECK (length(birth_place) = 4),  -- Belfiore or Z code
    address            TEXT    NOT NULL,
    postal_code        TEXT    NOT NULL,
    municipality       TEXT    NOT NULL,
    province           TEXT    NOT NULL,
    country            TEXT    NOT NULL CHECK (length(country) = 2),
    health_card_number TEXT    NOT NULL,
    health_card_expiry TEXT    NOT NULL,  -- YYYY-MM-DD
    contribution_weeks INTEGER NOT NULL CHECK (contribution_weeks >= 0),
    mobile             TEXT,
    email              TEXT,
    created_at         INTEGER NOT NULL DEFAULT (unixepoch()),
    updated_at         INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT, WITHOUT ROWID;

-- Weeks credited per year and employer. The primary key starts with the fiscal code, so it also
-- serves the foreign key's cascade and "this person's contributions" without another index.
CREATE TABLE contributions (
    fiscal_code TEXT    NOT NULL REFERENCES insured_persons (fiscal_code) ON DELETE CASCADE,
    year        INTEGER NOT NULL,
    employer    TEXT    NOT NULL,
    weeks       INTEGER NOT NULL CHECK (weeks >= 0),
    PRIMARY KEY (fiscal_code, year, employer)
) STRICT, WITHOUT ROWID;
