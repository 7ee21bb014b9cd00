"""Operator data for the renewal: groups, rate tables, contract conditions.

Like `contracts import`: UTF-8 (with or without BOM) or CP932; every row is
checked first and any problem means nothing is written; problems read
`line N: column: reason`.

groups CSV      group_name, renewal_opens, renewal_closes, installments, agency_email
                (upsert by group_name; the two dates both or neither, YYYY-MM-DD;
                installments 1 = 一時払 … 12 = 12回; agency_email optional)
                optional 更新のご案内 offsets: remind_opened, remind_halfway,
                remind_before_close, remind_last_day — days (0-365), `off`, or
                empty for the default (clickar/reminders/schedule.py)
rates CSV       item, code, value (rating.parse_rates; # lines are comments)
conditions CSV  policy_number, grade, claims, driver_scope, driver_age, vehicle,
                deductible, purpose, mileage (upsert by policy_number)
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from .. import jp
from ..contracts import decode
from ..db import database
from ..models import Contract, ContractConditions, Group, RateTable, now
from ..reminders import schedule
from . import rating

GROUP_COLUMNS = ("group_name", "renewal_opens", "renewal_closes", "installments", "agency_email")
REMINDER_COLUMNS = ("remind_opened", "remind_halfway", "remind_before_close", "remind_last_day")
CONDITION_COLUMNS = ("policy_number", "grade", "claims") + rating.ITEMS


@dataclass
class ImportResult:
    rows: list = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0


def _records(text: str, required: tuple[str, ...], result: ImportResult):
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        result.errors.extend(f"line 1: {c}: missing column" for c in missing)
        return
    reader.fieldnames = header
    for record in reader:
        yield reader.line_num, {k: (v or "").strip() for k, v in record.items() if k}


# ------------------------------------------------------------------ groups

def parse_groups(text: str) -> ImportResult:
    result = ImportResult()
    seen: dict[str, int] = {}
    for line, rec in _records(text, ("group_name",), result):
        problems = []
        row = {"name": rec.get("group_name", "")}
        if not row["name"]:
            problems.append(("group_name", "required"))
        elif len(row["name"]) > 100:
            problems.append(("group_name", "longer than 100 characters"))
        elif row["name"] in seen:
            problems.append(("group_name", f"duplicate of line {seen[row['name']]}"))
        seen.setdefault(row["name"], line)
        for column in ("renewal_opens", "renewal_closes"):
            value = rec.get(column, "")
            row[column] = None
            if value:
                try:
                    row[column] = dt.date.fromisoformat(value)
                except ValueError:
                    problems.append((column, "not a date (YYYY-MM-DD)"))
        opens, closes = row["renewal_opens"], row["renewal_closes"]
        if bool(rec.get("renewal_opens")) != bool(rec.get("renewal_closes")):
            problems.append(("renewal_closes" if opens else "renewal_opens",
                             "give both renewal_opens and renewal_closes, or neither"))
        elif opens and closes and closes < opens:
            problems.append(("renewal_closes", "before renewal_opens"))
        value = rec.get("installments", "") or "12"
        if not value.isdigit() or not 1 <= int(value) <= 12:
            problems.append(("installments", "a whole number 1-12 (1 = 一時払)"))
        else:
            row["installments"] = int(value)
        email = rec.get("agency_email", "").lower()
        if email and not jp.is_mail_address(email):
            problems.append(("agency_email", "not a mail address"))
        row["agency_email"] = email
        for column in REMINDER_COLUMNS:
            try:
                row[column] = schedule.parse_offset(rec.get(column, ""))
            except ValueError as exc:
                problems.append((column, str(exc)))
        if problems:
            result.errors.extend(f"line {line}: {c}: {reason}" for c, reason in problems)
        else:
            result.rows.append(row)
    return result


def import_groups(raw: bytes) -> ImportResult:
    result = parse_groups(decode(raw))
    if result.errors:
        return result
    with database.atomic():
        for row in result.rows:
            existing = Group.by_name(row["name"])
            if existing is None:
                Group.create(**row, updated_at=now())
                result.created += 1
            else:
                (Group
                 .update(**{k: v for k, v in row.items() if k != "name"}, updated_at=now())
                 .where(Group.id == existing.id)
                 .execute())
                result.updated += 1
    return result


# ------------------------------------------------------------------ rates

def import_rates(raw: bytes, name: str, illustrative: bool = False) -> rating.ParseResult:
    result = rating.parse_rates(decode(raw), name=name, illustrative=illustrative)
    if result.rates is not None:
        with database.atomic():
            RateTable.create(name=name[:100], illustrative=illustrative, rates=result.rates.to_json(),
                             loaded_at=now())
    return result


# ------------------------------------------------------------ conditions

def parse_conditions(text: str) -> ImportResult:
    result = ImportResult()
    seen: dict[str, int] = {}
    rows = []
    for line, rec in _records(text, tuple(c for c in CONDITION_COLUMNS if c != "deductible"), result):
        problems = []
        number = rec.get("policy_number", "").upper()
        if not number:
            problems.append(("policy_number", "required"))
        elif number in seen:
            problems.append(("policy_number", f"duplicate of line {seen[number]}"))
        seen.setdefault(number, line)
        row = {"policy_number": number}
        for column, low, high in (("grade", 1, 20), ("claims", 0, 9)):
            value = rec.get(column, "") or ("0" if column == "claims" else "")
            if not value.isdigit() or not low <= int(value) <= high:
                problems.append((column, f"a whole number {low}-{high}"))
            else:
                row[column] = int(value)
        options = {item: rec.get(item, "") for item in rating.ITEMS}
        try:
            row.update(rating.normalise_options(options))
        except rating.RatingError as err:
            problems.append((err.item, "unknown code (see clickar/renewal/rating.py OPTIONS)"))
        rows.append((line, row, problems))
    numbers = [r["policy_number"] for _, r, _ in rows if r["policy_number"]]
    known = {n for (n,) in Contract.select(Contract.policy_number)
             .where(Contract.policy_number.in_(numbers)).tuples()} if numbers else set()
    for line, row, problems in rows:
        if row["policy_number"] and row["policy_number"] not in known:
            problems.append(("policy_number", "no such contract"))
        if problems:
            result.errors.extend(f"line {line}: {c}: {reason}" for c, reason in problems)
        else:
            result.rows.append(row)
    return result


def upsert_conditions(rows: list[dict]) -> tuple[int, int]:
    created = updated = 0
    with database.atomic():
        contracts = {c.policy_number: c for c in
                     Contract.select().where(Contract.policy_number.in_([r["policy_number"] for r in rows]))}
        for row in rows:
            contract = contracts[row["policy_number"]]
            values = {k: v for k, v in row.items() if k != "policy_number"}
            changed = (ContractConditions
                       .update(**values, updated_at=now())
                       .where(ContractConditions.contract == contract)
                       .execute())
            if changed:
                updated += 1
            else:
                ContractConditions.create(contract=contract, **values, updated_at=now())
                created += 1
    return created, updated


def import_conditions(raw: bytes) -> ImportResult:
    result = parse_conditions(decode(raw))
    if not result.errors:
        result.created, result.updated = upsert_conditions(result.rows)
    return result
