"""CSV for the insurer's back office: renewals and change requests.

`flask --app wsgi renewals export --since DATE [--encoding utf-8-sig|cp932]`
`flask --app wsgi changes export  --since DATE [--encoding utf-8-sig|cp932]`

DATE is a Japan date; rows submitted, cancelled (renewals) or made (change
requests) from 00:00 JST that day on are written, oldest first. Times are
ISO 8601 in JST (+09:00). Money is integer yen. Option columns hold the codes
of clickar/renewal/rating.py OPTIONS (a *_label column beside each gives the
Japanese). A character CP932 cannot hold is an error (`line N: column: …`),
never a silent '?'. parse_renewals / parse_changes read a file back.
"""
from __future__ import annotations

import csv
import datetime as dt
import io

from .. import csvsafe
from ..models import ChangeRequest, Renewal
from . import rating
from ..jp import JST

ENCODINGS = ("utf-8-sig", "cp932")

RENEWAL_COLUMNS = (
    "receipt_number", "status", "submitted_at", "cancelled_at",
    "policy_number", "name", "car_name", "group_name", "term_start", "term_end",
    "grade_current", "grade_next",
    *[c for item in rating.ITEMS for c in (item, f"{item}_label")],
    "annual_premium", "installments", "first_installment", "other_installment", "rate_table",
)
INT_COLUMNS = ("grade_current", "grade_next", "annual_premium", "installments", "first_installment",
               "other_installment")

CHANGE_COLUMNS = (
    "request_number", "created_at", "policy_number", "name",
    "old_postal_code", "old_address", "old_phone", "new_postal_code", "new_address", "new_phone",
)


class ExportError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def since_utc(day: dt.date) -> dt.datetime:
    """00:00 JST of `day` as the naive UTC the tables store."""
    return dt.datetime.combine(day, dt.time(), JST).astimezone(dt.timezone.utc).replace(tzinfo=None)


def iso_jst(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(JST).replace(microsecond=0).isoformat()


def renewal_row(r: Renewal) -> dict:
    c = r.contract
    row = {
        "receipt_number": r.receipt_number,
        "status": "cancelled" if r.cancelled_at else "submitted",
        "submitted_at": iso_jst(r.submitted_at),
        "cancelled_at": iso_jst(r.cancelled_at),
        "policy_number": c.policy_number, "name": c.name, "car_name": c.car_name,
        "group_name": c.group_name,
        "term_start": r.term_start.isoformat(), "term_end": r.term_end.isoformat(),
        "grade_current": r.grade_current, "grade_next": r.grade_next,
        "annual_premium": r.annual_premium, "installments": r.installments,
        "first_installment": r.first_installment, "other_installment": r.other_installment,
        "rate_table": r.rate_table_name,
    }
    for item in rating.ITEMS:
        code = getattr(r, item)
        row[item] = code
        row[f"{item}_label"] = rating.label(item, code) if code else ""
    return row


def change_rows(req: ChangeRequest) -> list[dict]:
    return [{
        "request_number": req.request_number, "created_at": iso_jst(req.created_at),
        "policy_number": number, "name": req.name,
        "old_postal_code": req.old_postal_code, "old_address": req.old_address, "old_phone": req.old_phone,
        "new_postal_code": req.new_postal_code, "new_address": req.new_address, "new_phone": req.new_phone,
    } for number in req.policy_numbers]


def write_csv(columns, rows: list[dict], encoding: str) -> bytes:
    """CSV bytes (CRLF, as spreadsheet software expects); unencodable text is an error."""
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}")
    problems = []
    if encoding == "cp932":
        for n, row in enumerate(rows, start=2):
            for column in columns:
                try:
                    str(row[column]).encode("cp932")
                except UnicodeEncodeError:
                    problems.append(f"line {n}: {column}: not representable in CP932")
    if problems:
        raise ExportError(problems)
    out = io.StringIO(newline="")
    writer = csvsafe.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def export_renewals(since: dt.date, encoding: str = "utf-8-sig") -> tuple[bytes, int]:
    rows = [renewal_row(r) for r in Renewal.changed_since(since_utc(since))]
    return write_csv(RENEWAL_COLUMNS, rows, encoding), len(rows)


def export_changes(since: dt.date, encoding: str = "utf-8-sig") -> tuple[bytes, int]:
    rows = [row for req in ChangeRequest.made_since(since_utc(since)) for row in change_rows(req)]
    return write_csv(CHANGE_COLUMNS, rows, encoding), len(rows)


def _read(raw: bytes) -> list[dict]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp932")
    return [{k: csvsafe.unescape(v) for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(text, newline=""))]


def parse_renewals(raw: bytes) -> list[dict]:
    """Read an export back: ints as int, everything else as written."""
    rows = _read(raw)
    for row in rows:
        for column in INT_COLUMNS:
            row[column] = int(row[column])
    return rows


def parse_changes(raw: bytes) -> list[dict]:
    return _read(raw)
