#!/usr/bin/env python3
"""Converts python-codicefiscale's place data into crates/sigillo-domain/data/places.tsv.

One-off: run again only to refresh the data from a newer release.

    pip download --no-deps python-codicefiscale==0.12.1 -d /tmp/pycf
    cd /tmp/pycf && unzip -q python_codicefiscale-0.12.1-py3-none-any.whl
    python3 tools/places/convert.py /tmp/pycf/codicefiscale/data crates/sigillo-domain/data/places.tsv

The library itself reads municipalities.json and deleted-countries.json + countries.json
(codicefiscale/data.py); its *-patch.json files are already folded into those, which this
script checks instead of trusting. Each code becomes one line with its whole known life
(SPEC 2: earliest date_created to latest date_deleted, open if any record is open) and the
name and province of its latest record.
"""

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

CODE_RE = re.compile(r"^[A-Z][0-9]{3}$")
PROVINCE_RE = re.compile(r"^[A-Z]{2}$")
HEADER = "code\tkind\tname\tprovince\tvalid_from\tvalid_until"


def day(value: str) -> str:
    """'1866-11-19T00:00:00' -> '1866-11-19'; '' stays ''. Tolerates the one typo in the data ('1934-01-01:T00:00:00')."""
    if not value:
        return ""
    match = re.match(r"^(\d{4}-\d{2}-\d{2})[:T]", value)
    if not match:
        raise ValueError(f"unexpected date {value!r}")
    return match.group(1)


def load(data_dir: Path, name: str) -> list[dict]:
    with open(data_dir / name, encoding="utf-8") as f:
        return json.load(f)


def same_record(a: dict, b: dict) -> bool:
    keys = ("code", "name", "province")
    return all(a[k] == b[k] for k in keys) and day(a["date_created"]) == day(b["date_created"]) and day(
        a["date_deleted"]
    ) == day(b["date_deleted"])


def check_patches_applied(records: list[dict], patches: list[dict], label: str) -> None:
    for patch in patches:
        if not any(same_record(patch, r) for r in records):
            raise SystemExit(f"{label}: patch record {patch['code']} {patch['name']} is not in the data; merge it")


def spans(records: list[dict], kind: str) -> dict[str, tuple]:
    by_code: dict[str, list[dict]] = defaultdict(list)
    skipped = 0
    for r in records:
        # "ND" (non determinato): municipalities that never had a code; nothing can be born there in a CF.
        if r["code"] == "ND":
            skipped += 1
            continue
        if not CODE_RE.match(r["code"]):
            raise SystemExit(f"bad code {r['code']!r}")
        if not PROVINCE_RE.match(r["province"]):
            raise SystemExit(f"bad province {r['province']!r} for {r['code']}")
        if kind == "C" and (r["province"] != "EE" or r["code"][0] != "Z"):
            raise SystemExit(f"country {r['code']} not Z/EE")
        if kind == "M" and r["code"][0] == "Z":
            raise SystemExit(f"municipality with a Z code: {r['code']}")
        by_code[r["code"]].append(r)
    if skipped:
        print(f"skipped {skipped} records without a code (ND)", file=sys.stderr)

    out = {}
    for code, rs in by_code.items():
        created = [day(r["date_created"]) for r in rs]
        deleted = [day(r["date_deleted"]) for r in rs]
        if any(not c for c in created):
            raise SystemExit(f"{code}: record without date_created")
        for c, d in zip(created, deleted):
            if d and d < c:
                raise SystemExit(f"{code}: deleted {d} before created {c}")
        valid_from = min(created)
        valid_until = "" if any(not d for d in deleted) else max(deleted)
        latest = max(rs, key=lambda r: (day(r["date_created"]), day(r["date_deleted"]) or "9999"))
        name = latest["name"].strip()
        if "\t" in name or "\n" in name:
            raise SystemExit(f"{code}: unexpected whitespace in name")
        out[code] = (kind, name, latest["province"], valid_from, valid_until)
    return out


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit("usage: convert.py <python-codicefiscale data dir> <output tsv>")
    data_dir, output = Path(sys.argv[1]), Path(sys.argv[2])

    municipalities = load(data_dir, "municipalities.json")
    countries = load(data_dir, "deleted-countries.json") + load(data_dir, "countries.json")
    check_patches_applied(municipalities, load(data_dir, "municipalities-patch.json"), "municipalities")
    check_patches_applied(countries, load(data_dir, "countries-patch.json"), "countries")

    places = spans(municipalities, "M")
    foreign = spans(countries, "C")
    overlap = set(places) & set(foreign)
    if overlap:
        raise SystemExit(f"codes both municipality and country: {sorted(overlap)}")
    places.update(foreign)

    with open(output, "w", encoding="utf-8", newline="\n") as f:
        f.write(HEADER + "\n")
        for code in sorted(places):
            kind, name, province, valid_from, valid_until = places[code]
            f.write(f"{code}\t{kind}\t{name}\t{province}\t{valid_from}\t{valid_until}\n")
    print(f"wrote {len(places)} codes ({len(foreign)} countries) to {output}", file=sys.stderr)


if __name__ == "__main__":
    main()
