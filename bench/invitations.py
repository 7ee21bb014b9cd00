"""`python -m bench invitations`: one batch of 1,000 invitation letters (issue 22).

    python -m bench invitations [--letters 1000]

A fresh SQLite database gets N synthetic contracts (copies of a demo contract with
their own 証券番号); an admin creates one batch and downloads its letters through
the real route (POST /staff/invitations/<id>/letters.pdf, read as a stream by the
test client). Reported: seconds to the first bytes of the PDF, seconds to the
last, the PDF's size, this process's peak RSS before and after, and the largest
resident size sampled at each chunk of the download (VmRSS): the PDF is written a
page at a time (flyers/pdfstream.py), so it does not grow with the batch.
"""
from __future__ import annotations

import re
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _vmrss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run(args) -> int:
    sys.path.insert(0, str(ROOT / "tests"))
    from app_support import make_app

    from clickar.db import database
    from clickar.models import Contract
    from clickar.staff.accounts import create_staff

    app = make_app(f"sqlite:///{tempfile.mkdtemp()}/bench.db")
    with app.app_context():
        database.connect(reuse_if_open=True)
        model = Contract.select().order_by(Contract.id).first().__data__
        model.pop("id")
        rows = [{**model, "policy_number": f"BENCH{i:07d}"} for i in range(args.letters)]
        with database.atomic():
            for start in range(0, len(rows), 200):
                Contract.insert_many(rows[start:start + 200]).execute()
        create_staff("bench@example.jp", "Benchpass2026", "admin")
        database.close()
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/staff/login", data={"email": "bench@example.jp", "password": "Benchpass2026", "csrf_token": csrf})
    numbers = "\n".join(r["policy_number"] for r in rows)
    client.post("/staff/invitations/", data={"policy_numbers": numbers, "csrf_token": csrf})
    rss_before = _rss_mb()
    started = time.perf_counter()
    response = client.post("/staff/invitations/1/letters.pdf", data={"csrf_token": csrf}, buffered=False)
    first = None
    size = 0
    rss_start = rss_peak = _vmrss_mb()
    for chunk in response.response:
        if first is None and chunk:
            first = time.perf_counter() - started
        size += len(chunk)
        rss_peak = max(rss_peak, _vmrss_mb())
    total = time.perf_counter() - started
    response.close()
    print(f"invitations: {args.letters} letters, first bytes {first:.2f} s, all {total:.2f} s, "
          f"{size / 1e6:.1f} MB, peak RSS {rss_before:.0f} MB before the download, {_rss_mb():.0f} MB after; "
          f"resident {rss_start:.0f} MB at the start of the download, at most {rss_peak:.0f} MB during it")
    ok = first is not None and first < 2 and total < 60
    return 0 if ok else 1
