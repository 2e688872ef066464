-- Pension payments (cedolini): one row per person, month and kind of pension. Amounts are whole
-- euro cents. The tax certificate (CU) of a year is derived from its rows, so it is not stored.
-- As for contributions, the primary key starts with the fiscal code: it serves the cascade and
-- "this person's slips" without another index.
CREATE TABLE pension_slips (
    fiscal_code            text COLLATE "C" NOT NULL REFERENCES insured_persons (fiscal_code) ON DELETE CASCADE,
    year                   integer  NOT NULL CHECK (year BETWEEN 1900 AND 2999),
    month                  smallint NOT NULL CHECK (month BETWEEN 1 AND 12),
    kind                   text     NOT NULL
        CHECK (kind IN ('vecchiaia', 'anticipata', 'invalidita', 'reversibilita', 'assegno_sociale')),
    gross_cents            bigint   NOT NULL CHECK (gross_cents >= 0),
    tax_cents              bigint   NOT NULL CHECK (tax_cents >= 0),
    other_deductions_cents bigint   NOT NULL CHECK (other_deductions_cents >= 0),
    net_cents              bigint   NOT NULL CHECK (net_cents >= 0),
    CHECK (net_cents = gross_cents - tax_cents - other_deductions_cents),
    PRIMARY KEY (fiscal_code, year, month, kind)
);
