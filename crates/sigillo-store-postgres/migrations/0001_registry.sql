-- The insured-person registry (anagrafica assicurati).
--
-- Keys and employer names use the "C" collation: byte order, as on SQLite, so both backends list
-- contributions in the same order; it also makes comparisons in the 20-million-entry primary-key
-- index cheaper than a linguistic collation would.
CREATE TABLE insured_persons (
    fiscal_code        text COLLATE "C" PRIMARY KEY CHECK (fiscal_code ~ '^[0-9A-Z]{16}$'),
    family_name        text    NOT NULL,
    given_name         text    NOT NULL,
    birth_date         date    NOT NULL,
    sex                text    NOT NULL CHECK (sex IN ('M', 'F')),
    birth_place        text    NOT NULL CHECK (length(birth_place) = 4),  -- Belfiore or Z code
    address            text    NOT NULL,
    postal_code        text    NOT NULL,
    municipality       text    NOT NULL,
    province           text    NOT NULL,
    country            text    NOT NULL CHECK (length(country) = 2),
    health_card_number text    NOT NULL,
    health_card_expiry date    NOT NULL,
    contribution_weeks integer NOT NULL CHECK (contribution_weeks >= 0),
    mobile             text,
    email              text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Weeks credited per year and employer. The primary key starts with the fiscal code, so it also
-- serves the foreign key's cascade and "this person's contributions" without another index.
CREATE TABLE contributions (
    fiscal_code text COLLATE "C" NOT NULL REFERENCES insured_persons (fiscal_code) ON DELETE CASCADE,
    year        integer NOT NULL,
    employer    text COLLATE "C" NOT NULL,
    weeks       integer NOT NULL CHECK (weeks >= 0),
    PRIMARY KEY (fiscal_code, year, employer)
);
