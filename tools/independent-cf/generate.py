#!/usr/bin/env python3
"""Makes the independent codice fiscale fixtures for crates/sigillo-domain/tests/.

Every code in the fixtures is computed by python-codicefiscale (MIT, Fabio Caccamo), an
implementation written without knowledge of ours, so the Rust test compares two codebases.

    python3 -m venv /tmp/cfvenv
    /tmp/cfvenv/bin/pip install python-codicefiscale==0.12.1
    /tmp/cfvenv/bin/python tools/independent-cf/generate.py crates/sigillo-domain/tests/fixtures

Writes:
  independent_cf.csv          ~5,000 people and their codes: every row must parse and be consistent.
  independent_cf_invalid.csv  deliberately wrong rows, each with the error kind Sigillo must report,
                              and what python-codicefiscale made of it (column `python`).

Where python-codicefiscale and SPEC 2 disagree, SPEC wins (see `python` column and the summary).
Deterministic: same seed, same library version, same output (up to "today").
"""

import csv
import datetime as dt
import random
import sys
from collections import defaultdict
from pathlib import Path

from codicefiscale import codicefiscale as cf
from codicefiscale.data import get_countries_data, get_municipalities_data

SEED = 20261125
PEOPLE = 5000
EARLIEST = dt.date(1930, 1, 1)
TODAY = dt.date.today()
HEADER = ["fiscal_code", "family_name", "given_name", "birth_date", "sex", "birth_place"]

FAMILY_NAMES = """Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti
Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro Mariani Rinaldi Caruso Ferrara
Galli Martini Leone Longo Gentile Martinelli Vitale Lombardo Serra Coppola Cattaneo Pellegrino Palumbo
Sanna Piras Melis Pinna Deiana Fadda Hoxha Kovač Popescu Nowak Wiśniewski Kowalczyk Dvořák Novák
""".split() + [
    "De Luca", "D'Angelo", "Dell'Orto", "De Santis", "Di Stefano", "La Rosa", "Lo Russo", "D'Amico",
    "Dall'Ara", "Sant'Elia", "Nicolò", "Mosè", "Lucà", "Mazzà", "Fo", "Ng", "Li", "Wu", "Yu", "Ai",
    "Oe", "Müller", "Schäfer", "Özdemir", "Çelik", "Núñez", "Muñoz", "François", "Lefèvre",
    "Ødegaard", "Ångström", "Łukasiewicz", "Šimić", "Kovačević", "Żak", "O'Brien", "MacDonald",
    "Van der Berg", "García Márquez", "Al-Hassan", "Abu Bakr", "Nguyễn", "Trần", "Lê", "Hà",
    "Dell'Acqua-Bianchi", "Straße", "Þórsson", "Ĳsselmeer", "Œuvray", "Bjørnstad", "Ruiz-Picasso",
]
GIVEN_NAMES = """Mario Giuseppe Antonio Francesco Luca Marco Andrea Matteo Alessandro Lorenzo Roberto
Gianfranco Maria Anna Giulia Francesca Sara Laura Chiara Federica Valentina Alessandra Elisabetta
Ugo Ida Eva Al Bo Io Ada Ettore Cristoforo Massimiliano Bartolomeo Alberto
""".split() + [
    "Nicolò", "Niccolò", "Zoë", "Noè", "Mosè", "Gioele", "Gian Luca", "Gianluca", "Maria Grazia",
    "Anna Maria", "Pier Paolo", "Jean-Luc", "José", "Chloé", "Renée", "Björn", "Jürgen", "Søren",
    "Ælfred", "Małgorzata", "Jiří", "Ştefan", "Iñaki", "Ana Sofía", "Dženana", "Đorđe", "Ğülşen",
    "Çağla", "Maria Lucia", "Giovanni Battista", "Anne-Laure", "Lætitia", "Éloïse", "Agnès",
    "D'Artagnan", "Mu'min", "Zé", "Ève",
]
# Letters for made-up names: plain, accented, and the separators a name may hold.
SYLLABLE_CONSONANTS = list("bcdfghjklmnpqrstvwxyz") + list("çñšžčćłđßřťďňğ")
SYLLABLE_VOWELS = list("aeiou") + list("àèéìòùäöüâêîôûåøæœáíóúýÿë")
SEPARATORS = [" ", "'", "-", " '", "’"]


def made_up_name(rng: random.Random) -> str:
    words = []
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        word = "".join(
            rng.choice(SYLLABLE_CONSONANTS) * rng.choice([0, 1, 1, 1]) + rng.choice(SYLLABLE_VOWELS) * rng.choice([0, 1, 1])
            for _ in range(rng.randint(1, 4))
        )
        words.append((word or rng.choice(SYLLABLE_VOWELS)).capitalize())
    name = words[0]
    for word in words[1:]:
        name += rng.choice(SEPARATORS) + word
    return name


def family_name(rng: random.Random) -> str:
    return rng.choice(FAMILY_NAMES) if rng.random() < 0.7 else made_up_name(rng)


def given_name(rng: random.Random) -> str:
    return rng.choice(GIVEN_NAMES) if rng.random() < 0.7 else made_up_name(rng)


def day(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


class Places:
    """The library's own records, and each code's life as SPEC 2 defines it."""

    def __init__(self) -> None:
        self.records: dict[str, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
        for r in get_municipalities_data() + get_countries_data():
            if r["code"] != "ND":
                self.records[r["code"]].append((day(r["date_created"]), day(r["date_deleted"])))
        self.span = {
            code: (min(c for c, _ in rs), None if any(d is None for _, d in rs) else max(d for _, d in rs))
            for code, rs in self.records.items()
        }
        # Record windows clipped to EARLIEST..TODAY, by category.
        self.current, self.ended, self.countries = [], [], []
        for code, rs in self.records.items():
            for created, deleted in rs:
                start, end = max(created, EARLIEST), min(deleted or TODAY, TODAY)
                if start > end:
                    continue
                if code.startswith("Z"):
                    self.countries.append((code, start, end))
                elif self.span[code][1] is None:
                    self.current.append((code, start, end))
                else:
                    self.ended.append((code, start, end))
        # Dates inside a code's span but in no record: SPEC accepts them.
        self.gaps = []
        for code, rs in self.records.items():
            rs = sorted(rs)
            for (_, deleted), (created, _) in zip(rs, rs[1:]):
                if deleted and (created - deleted).days > 1:
                    start = max(deleted + dt.timedelta(days=1), EARLIEST)
                    end = min(created - dt.timedelta(days=1), TODAY)
                    if start <= end:
                        self.gaps.append((code, start, end))

    def valid(self, code: str, date: dt.date) -> bool:
        start, end = self.span[code]
        return start <= date and (end is None or date <= end)


def python_encode(person: dict) -> str | None:
    try:
        return cf.encode(
            lastname=person["family_name"],
            firstname=person["given_name"],
            gender=person["sex"],
            birthdate=person["birth_date"].isoformat(),
            birthplace=person["birth_place"],
        )
    except ValueError:
        return None


def assemble(person: dict, place: str | None = None) -> str:
    """The code from the library's parts, with any place code: for dates the library will not encode."""
    base = (
        cf.encode_lastname(person["family_name"])
        + cf.encode_firstname(person["given_name"])
        + cf.encode_birthdate(person["birth_date"].isoformat(), person["sex"])
        + (place or person["birth_place"])
    )
    return base + cf.encode_cin(base)


def row(code: str, person: dict) -> list[str]:
    for field in ("family_name", "given_name"):
        if any(c in person[field] for c in ',"\n'):
            raise ValueError(f"name not CSV-simple: {person[field]!r}")
    return [code, person["family_name"], person["given_name"], person["birth_date"].isoformat(), person["sex"], person["birth_place"]]


def valid_people(rng: random.Random, places: Places, stats: dict) -> list[list[str]]:
    rows = []
    while len(rows) < PEOPLE:
        roll = rng.random()
        pool = places.current if roll < 0.5 else places.ended if roll < 0.72 else places.gaps if roll < 0.75 else places.countries
        code, start, end = rng.choice(pool)
        person = {
            "family_name": family_name(rng),
            "given_name": given_name(rng),
            "birth_date": random_date(rng, start, end),
            "sex": rng.choice("MF"),
            "birth_place": code,
        }
        if rng.random() < 0.01:
            person["birth_date"] = random_date(rng, start, end).replace(day=1)
        assert places.valid(code, person["birth_date"])
        fiscal_code = python_encode(person)
        if fiscal_code is None:
            # The library refuses a date SPEC accepts (e.g. in a gap between records): use its parts.
            stats["python refuses, SPEC accepts (assembled from the library's parts)"] += 1
            fiscal_code = assemble(person)
        elif fiscal_code != assemble(person):
            raise SystemExit(f"library picked another place for {person}: {fiscal_code}")
        if pool is places.gaps:
            stats["dates in a gap between records"] += 1
        if rng.random() < 0.06:
            fiscal_code = rng.choice(cf.decode(fiscal_code)["omocodes"][1:])
            stats["omocodes"] += 1
        rows.append(row(fiscal_code, person))
    return rows


def replace_at(code: str, index: int, char: str) -> str:
    return code[:index] + char + code[index + 1 :]


def invalid_rows(rng: random.Random, places: Places, valid: list[list[str]], stats: dict) -> list[list[str]]:
    """Rows whose code or data is wrong; python's verdict is what its is_valid / encode says."""
    out = []

    def add(code: str, person_row: list[str], expected: str, python_ok: bool) -> None:
        out.append([code, *person_row[1:], expected, "accepts" if python_ok else "rejects"])
        if python_ok:
            stats[f"python accepts a row SPEC rejects ({expected})"] += 1

    def person_of(r: list[str]) -> dict:
        return {"family_name": r[1], "given_name": r[2], "birth_date": dt.date.fromisoformat(r[3]), "sex": r[4], "birth_place": r[5]}

    for r in rng.sample(valid, 20):
        wrong = rng.choice([c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c != r[0][15]])
        add(replace_at(r[0], 15, wrong), r, "wrong_check_character", cf.is_valid(replace_at(r[0], 15, wrong)))

    def add_other(r: list[str], other: list[str], expected: str) -> None:
        # python "accepts" if the other data encode to one of the code's omocodia variants.
        add(r[0], other, expected, python_encode(person_of(other)) in cf.decode(r[0])["omocodes"])

    def mismatch(field: int, expected: str, make, encode_part) -> None:
        for r in rng.sample(valid, 12):
            other = list(r)
            while True:
                other[field] = make(rng)
                if encode_part(other[field]) != encode_part(r[field]):
                    break
            add_other(r, other, expected)

    mismatch(1, "family_name_mismatch", family_name, cf.encode_lastname)
    mismatch(2, "given_name_mismatch", given_name, cf.encode_firstname)
    for r in rng.sample(valid, 6):
        other = list(r)
        other[4] = "F" if r[4] == "M" else "M"
        add_other(r, other, "sex_mismatch")
    for r in rng.sample(valid, 6):
        other = list(r)
        other[3] = (dt.date.fromisoformat(r[3]) + dt.timedelta(days=rng.choice([-1, 1, 31, 365]))).isoformat()
        add_other(r, other, "birth_date_mismatch")
    for r in rng.sample(valid, 6):
        other = list(r)
        other[5] = rng.choice([c for c, _, _ in places.current if c != r[5]])
        add_other(r, other, "birth_place_mismatch")

    # Place codes ended before the birth date, where 19yy is still plausible for the code alone:
    # the code parses, the person's data is not consistent.
    ended = [c for c, (s, e) in places.span.items() if e and dt.date(1931, 1, 1) <= e < dt.date(2020, 1, 1) and s <= dt.date(1900, 1, 1)]
    for code in rng.sample(sorted(ended), 15):
        end = places.span[code][1]
        person = {"family_name": family_name(rng), "given_name": given_name(rng), "sex": rng.choice("MF"), "birth_place": code}
        person["birth_date"] = random_date(rng, max(end + dt.timedelta(days=1), dt.date(2000, 1, 1)), TODAY)
        python_ok = python_encode(person) is not None
        add(assemble(person), row("", person), "place_not_valid_on_date", python_ok)

    # Place codes created after the birth date, with 20yy in the future: the code alone is refused.
    late = [c for c, (s, _) in places.span.items() if s >= dt.date(1945, 1, 1) and not c.startswith("Z")]
    for code in rng.sample(sorted(late), 15):
        start = places.span[code][0]
        person = {"family_name": family_name(rng), "given_name": given_name(rng), "sex": rng.choice("MF"), "birth_place": code}
        person["birth_date"] = random_date(rng, max(dt.date(TODAY.year - 99, 1, 1), EARLIEST), start - dt.timedelta(days=1))
        if dt.date(2000 + person["birth_date"].year % 100, 1, 1) <= TODAY or person["birth_date"] >= start:
            continue
        code_text = assemble(person)
        add(code_text, row("", person), "place_not_valid_on_any_birth_date", cf.is_valid(code_text))

    for r in rng.sample(valid, 4):
        code_text = assemble(person_of(r), "H000")  # no place ever had H000
        add(code_text, r, "unknown_place", cf.is_valid(code_text))
    return out


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: generate.py <fixtures dir>")
    out_dir = Path(sys.argv[1])
    rng = random.Random(SEED)
    places = Places()
    stats: dict[str, int] = defaultdict(int)

    valid = valid_people(rng, places, stats)
    with open(out_dir / "independent_cf.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(valid)

    invalid = invalid_rows(rng, places, valid, stats)
    with open(out_dir / "independent_cf_invalid.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER + ["expected_error", "python"])
        writer.writerows(invalid)

    print(f"{len(valid)} valid rows, {len(invalid)} invalid rows", file=sys.stderr)
    for key, value in sorted(stats.items()):
        print(f"  {key}: {value}", file=sys.stderr)


if __name__ == "__main__":
    main()
