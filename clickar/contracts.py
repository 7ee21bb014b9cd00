"""Contract data from the insurer: CSV parsing and all-or-nothing upsert."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from . import matching
from .db import database
from .models import Contract, now

COLUMNS = ("policy_number", "name", "name_kana", "birth_date", "postal_code", "address", "phone",
           "phone2", "car_name", "insurance_start", "insurance_end", "group_name", "agency_name",
           "agency_phone")
OPTIONAL = {"phone2", "name_kana"}
DATES = ("birth_date", "insurance_start", "insurance_end")
MAX_LENGTH = {"policy_number": 20, "name": 100, "name_kana": 100, "postal_code": 8, "address": 255,
              "phone": 20, "phone2": 20, "car_name": 100, "group_name": 100, "agency_name": 100,
              "agency_phone": 20}


@dataclass
class ImportResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else CP932."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp932")


def parse(text: str) -> ImportResult:
    """Validate every row; errors read `line N: column: reason`."""
    result = ImportResult()
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header and c not in OPTIONAL]
    if missing:
        result.errors.extend(f"line 1: {column}: missing column" for column in missing)
        return result
    reader.fieldnames = header
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        row = {c: (record.get(c) or "").strip() for c in COLUMNS}
        problems = []
        for column in COLUMNS:
            value = row[column]
            if not value:
                if column not in OPTIONAL:
                    problems.append((column, "required"))
                continue
            if len(value) > MAX_LENGTH.get(column, 10_000):
                problems.append((column, f"longer than {MAX_LENGTH[column]} characters"))
            elif column in DATES:
                try:
                    row[column] = dt.date.fromisoformat(value)
                except ValueError:
                    problems.append((column, "not a date (YYYY-MM-DD)"))
        if row["policy_number"] and not re.fullmatch(r"[A-Za-z0-9]{6,20}", row["policy_number"]):
            problems.append(("policy_number", "6-20 half-width letters and digits"))
        if row["postal_code"] and not re.fullmatch(r"\d{3}-?\d{4}", row["postal_code"]):
            problems.append(("postal_code", "7 digits (NNN-NNNN)"))
        for column in ("phone", "phone2", "agency_phone"):
            if row[column] and not re.fullmatch(r"[0-9+()\- ]{10,20}", row[column]):
                problems.append((column, "not a phone number"))
        number = row["policy_number"].upper()
        row["policy_number"] = number
        if number in seen:
            problems.append(("policy_number", f"duplicate of line {seen[number]}"))
        seen.setdefault(number, line)
        if not problems and row["insurance_end"] <= row["insurance_start"]:
            problems.append(("insurance_end", "not after insurance_start"))
        if problems:
            result.errors.extend(f"line {line}: {column}: {reason}" for column, reason in problems)
        else:
            result.rows.append(row)
    return result


def _with_match_form(row: dict) -> dict:
    plain = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}
    return {**row, "match_form": matching.contract_normal_form(plain), "updated_at": now()}


def upsert(rows: list[dict], batch: int = 500) -> tuple[int, int]:
    """Insert or update by policy_number in one transaction. Returns (created, updated)."""
    created = updated = 0
    with database.atomic():
        for start in range(0, len(rows), batch):
            chunk = [_with_match_form(r) for r in rows[start:start + batch]]
            numbers = [r["policy_number"] for r in chunk]
            existing = set(Contract
                           .select(Contract.policy_number)
                           .where(Contract.policy_number.in_(numbers))
                           .tuples())
            existing = {n for (n,) in existing}
            fresh = [r for r in chunk if r["policy_number"] not in existing]
            if fresh:
                Contract.insert_many(fresh).execute()
                created += len(fresh)
            for r in chunk:
                if r["policy_number"] in existing:
                    (Contract
                     .update(**{k: v for k, v in r.items() if k != "policy_number"})
                     .where(Contract.policy_number == r["policy_number"])
                     .execute())
                    updated += 1
    return created, updated


def import_bytes(raw: bytes) -> ImportResult:
    result = parse(decode(raw))
    if not result.errors:
        result.created, result.updated = upsert(result.rows)
    return result
