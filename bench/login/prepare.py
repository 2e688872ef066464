#!/usr/bin/env python3
"""Makes K demo citizens able to log in, over the JSON API and the demo mailbox only.

For each person of the demo registry with at least 52 weeks of contributions: POST /pin-requests
with the registry's own data (`sigillo registry show`), read both halves from the demo mailbox,
log in with the 16-character first-access PIN, set a random definitive 8-character PIN
(PUT /me/pin, another one on 422), and check that the definitive PIN logs in without a forced
change. Writes "FISCAL_CODE PIN" lines for the load script.

Usage: prepare.py BASE_URL DATA_DIR SIGILLO_BIN COUNT OUT_FILE   (the environment reaches sigillo)
Standard library only; talks only to BASE_URL (127.0.0.1).
"""

import csv
import glob
import io
import json
import os
import secrets
import string
import subprocess
import sys
import time
import urllib.error
import urllib.request

PIN_ALPHABET = string.ascii_uppercase + string.digits


def call(base, method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw)
        except ValueError:
            return error.code, raw.decode(errors="replace")


def candidates(sigillo, count_in_registry):
    out = subprocess.run(
        [sigillo, "demo", "csv", "--count", str(count_in_registry)], check=True, capture_output=True, text=True
    ).stdout
    for row in csv.DictReader(io.StringIO(out)):
        # Eligible online (52 weeks), and with the contacts a request needs (a phone and an e-mail).
        if int(row["contribution_weeks"] or 0) >= 52 and row["mobile"] and row["email"]:
            yield row["fiscal_code"]


def request_body(person):
    body = {
        "fiscal_code": person["fiscal_code"],
        "family_name": person["family_name"],
        "given_name": person["given_name"],
        "birth_date": person["birth_date"],
        "sex": person["sex"],
        "birth_place": person["birth_place"],
        "residence": {
            "country": person["country"],
            "address": person["address"],
            "postal_code": person["postal_code"],
            "municipality": person["municipality"],
            "province": person["province"],
        },
        "email": person.get("email") or "",
    }
    if person.get("mobile"):
        body["mobile"] = person["mobile"]
    return body


def halves(data_dir, codes, timeout=60.0):
    """fiscal_code -> (first half, second half), waiting for the delivery worker."""
    deadline = time.monotonic() + timeout
    while True:
        found = {}
        for channel in ("sms", "email", "letter"):
            for path in glob.glob(os.path.join(data_dir, "mailbox", channel, "*.json")):
                try:
                    with open(path, encoding="utf-8") as f:
                        message = json.load(f)
                except (OSError, ValueError):
                    continue  # being written
                code, kind, half = message.get("fiscal_code"), message.get("kind"), message.get("pin_half")
                if code in codes and half and kind in ("pin_first_half", "pin_second_half"):
                    found.setdefault(code, {})[kind] = half
        ready = {c: (h["pin_first_half"], h["pin_second_half"]) for c, h in found.items() if len(h) == 2}
        if len(ready) == len(codes) or time.monotonic() > deadline:
            return ready
        time.sleep(0.2)


def main():
    base, data_dir, sigillo, wanted, out_file = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    registry_size = int(os.environ.get("SIGILLO_BENCH_REGISTRY", "200"))
    issued = []
    for code in candidates(sigillo, registry_size):
        if len(issued) == wanted:
            break
        shown = subprocess.run([sigillo, "registry", "show", code], capture_output=True, text=True)
        if shown.returncode != 0:
            continue
        status, answer = call(base, "POST", "/api/v1/pin-requests", request_body(json.loads(shown.stdout)))
        if status == 201 and answer.get("status") == "issued":
            issued.append(code)
        else:
            print(f"prepare: {code}: pin request answered {status} {answer}", file=sys.stderr)
    if len(issued) < wanted:
        sys.exit(f"prepare: only {len(issued)} of {wanted} PIN requests issued")

    first_access = halves(data_dir, set(issued))
    missing = set(issued) - set(first_access)
    if missing:
        sys.exit(f"prepare: no halves in the mailbox for {sorted(missing)}")

    lines = []
    for code in issued:
        first, second = first_access[code]
        status, session = call(base, "POST", "/api/v1/sessions", {"fiscal_code": code, "pin": first + second})
        if status != 200 or not session.get("must_change_pin"):
            sys.exit(f"prepare: {code}: first-access login answered {status} {session}")
        token = session["token"]
        for _ in range(50):
            pin = "".join(secrets.choice(PIN_ALPHABET) for _ in range(8))
            status, answer = call(base, "PUT", "/api/v1/me/pin", {"current_pin": first + second, "new_pin": pin}, token)
            if status == 204:
                break
            if status != 422:
                sys.exit(f"prepare: {code}: PUT /me/pin answered {status} {answer}")
        else:
            sys.exit(f"prepare: {code}: no random PIN passed the policy in 50 tries")
        status, session = call(base, "POST", "/api/v1/sessions", {"fiscal_code": code, "pin": pin})
        if status != 200 or session.get("must_change_pin"):
            sys.exit(f"prepare: {code}: login with the definitive PIN answered {status} {session}")
        lines.append(f"{code} {pin}\n")
    with open(out_file, "w", encoding="utf-8") as f:
        f.writelines(lines)
    print(f"prepare: {len(lines)} citizens with a definitive PIN")


if __name__ == "__main__":
    main()
