"""Contract data from the insurer: CSV parsing and all-or-nothing upsert."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from peewee import fn

from . import identity, matching
from .db import database
from .models import Contract, now

COLUMNS = ("policy_number", "name", "name_kana", "birth_date", "postal_code", "address", "phone",
           "phone2", "car_name", "insurance_start", "insurance_end", "group_name", "agency_name",
           "agency_phone")
OPTIONAL = {"phone2", "name_kana"}
DATES = ("birth_date", "insurance_start", "insurance_end")
MAX_LENGTH = {"policy_number": identity.POLICY_NUMBER_MAX, "name": 100, "name_kana": 100, "postal_code": 8, "address": 255,
              "phone": 20, "phone2": 20, "car_name": 100, "group_name": 100, "agency_name": 100,
              "agency_phone": 20}


@dataclass
class ImportResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    count: int = 0  # rows imported (import_file keeps no rows in memory)


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else CP932."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp932")


def _checked_rows(lines: Iterable[str], result: ImportResult) -> Iterator[tuple[int, dict]]:
    """Validate every row (errors into result.errors as `line N: column: reason`); yield the good ones."""
    reader = csv.DictReader(lines)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header and c not in OPTIONAL]
    if missing:
        result.errors.extend(f"line 1: {column}: missing column" for column in missing)
        return
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
        if row["policy_number"] and not identity.is_policy_number(row["policy_number"].upper()):
            problems.append(("policy_number", f"{identity.POLICY_NUMBER_MIN}-{identity.POLICY_NUMBER_MAX} half-width letters and digits"))
        if row["postal_code"] and not _POSTAL.fullmatch(row["postal_code"]):
            problems.append(("postal_code", "7 digits (NNN-NNNN)"))
        for column in ("phone", "phone2", "agency_phone"):
            if row[column] and not _PHONE.fullmatch(row[column]):
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
            yield line, row


_POSTAL = re.compile(r"\d{3}-?\d{4}")
_PHONE = re.compile(r"[0-9+()\- ]{10,20}")


def parse(text: str) -> ImportResult:
    """Validate every row; errors read `line N: column: reason`."""
    result = ImportResult()
    result.rows = [row for _, row in _checked_rows(io.StringIO(text, newline=""), result)]
    return result


def _with_match_form(row: dict) -> dict:
    plain = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}
    return {**row, "match_form": matching.contract_normal_form(plain), "updated_at": now()}


def _upsert_chunk(chunk: list[dict]) -> int:
    """Insert or update one batch (rows with match_form); returns how many were new."""
    numbers = [r["policy_number"] for r in chunk]
    existing = (Contract
                .select(fn.COUNT(Contract.id))
                .where(Contract.policy_number.in_(numbers))
                .scalar())
    (Contract
     .insert_many(chunk)
     .on_conflict(conflict_target=[Contract.policy_number],
                  preserve=[getattr(Contract, k) for k in chunk[0] if k != "policy_number"])
     .execute())
    return len(chunk) - existing


def upsert(rows: Iterable[dict], batch: int = 500, progress=None) -> tuple[int, int]:
    """Insert or update by policy_number in one transaction. Returns (created, updated).

    Batched multi-row INSERT … ON CONFLICT DO UPDATE; on PostgreSQL, `import_file`
    goes faster still with COPY (`copy_upsert`)."""
    created = total = 0
    with database.atomic():
        for chunk in _chunks(rows, batch):
            created += _upsert_chunk([_with_match_form(r) for r in chunk])
            total += len(chunk)
            if progress:
                progress(total)
    return created, total - created


def _chunks(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_bytes(raw: bytes) -> ImportResult:
    result = parse(decode(raw))
    if not result.errors:
        result.created, result.updated = upsert(result.rows)
    return result


# ------------------------------------------------------- large files (streaming)

COPY_BATCH = 20_000  # rows per COPY + merge on PostgreSQL
INSERT_BATCH = 500   # rows per multi-row INSERT elsewhere (SQLite's variable limit)


def _open_text(path) -> tuple[str, str]:
    """(path, encoding): UTF-8 (BOM or not) when the whole file decodes as UTF-8, else CP932."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            while fh.read(1 << 20):
                pass
        return path, "utf-8-sig"
    except UnicodeDecodeError:
        with open(path, encoding="cp932", newline="") as fh:  # raises UnicodeDecodeError if neither
            while fh.read(1 << 20):
                pass
        return path, "cp932"


def import_file(path, progress=None) -> ImportResult:
    """`contracts import` for files of any size: all-or-nothing, in constant memory.

    Pass 1 reads and validates every row (nothing written; any error → report and stop);
    pass 2 reads again and upserts in one transaction: COPY into a temporary table and
    one INSERT … ON CONFLICT per COPY_BATCH rows on PostgreSQL, multi-row upserts elsewhere.
    `progress(phase, done, total)` is called every batch ('checked' then 'written').
    """
    path, encoding = _open_text(path)
    result = ImportResult()
    checked = 0
    with open(path, encoding=encoding, newline="") as fh:
        for _ in _checked_rows(fh, result):
            checked += 1
            if progress and checked % 100_000 == 0:
                progress("checked", checked, None)
    if result.errors:
        return result
    if progress:
        progress("checked", checked, checked)
    report = (lambda done: progress("written", done, checked)) if progress else None
    with open(path, encoding=encoding, newline="") as fh:
        rows = (row for _, row in _checked_rows(fh, ImportResult()))
        if _is_postgres():
            result.created, result.updated = copy_upsert(rows, progress=report,
                                                         parallel=checked >= PARALLEL_MIN_ROWS)
        else:
            result.created, result.updated = upsert(rows, INSERT_BATCH, progress=report)
    result.count = checked
    return result


def _is_postgres() -> bool:
    from peewee import PostgresqlDatabase

    return isinstance(database.obj, PostgresqlDatabase)


def _columns() -> list:
    return [f for f in Contract._meta.sorted_fields if f.name != "id"]


def _copy_value(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _copy_text(chunk: list[dict], names: list[str], defaults: dict) -> str:
    """One batch as COPY CSV text, normal forms computed (runs in a worker process for big files)."""
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    stamp = now()
    for row in chunk:
        full = _with_match_form(row)
        full["updated_at"] = stamp
        out.writerow([_copy_value(full[n] if n in full else defaults[n]) for n in names])
    return buffer.getvalue()


PARALLEL_MIN_ROWS = 100_000  # below this, worker processes cost more than they save


def _copy_texts(rows: Iterable[dict], batch: int, names: list[str], defaults: dict, parallel: bool):
    """COPY texts batch by batch, in order; with `parallel`, the normal forms (most of the CPU)
    are computed by one worker process per core while this one writes to the database."""
    chunks = _chunks(rows, batch)
    if not parallel or (os.cpu_count() or 1) < 2:
        for chunk in chunks:
            yield len(chunk), _copy_text(chunk, names, defaults)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = os.cpu_count() or 2
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending = []
        for chunk in chunks:
            pending.append((len(chunk), pool.submit(_copy_text, chunk, names, defaults)))
            if len(pending) > workers:  # keep a few batches in flight, not the whole file
                n, future = pending.pop(0)
                yield n, future.result()
        for n, future in pending:
            yield n, future.result()


def copy_upsert(rows: Iterable[dict], batch: int = COPY_BATCH, progress=None,
                parallel: bool = False) -> tuple[int, int]:
    """PostgreSQL: COPY each batch into a temporary table, then one INSERT … ON CONFLICT
    (policy_number) DO UPDATE into contract — one transaction for the whole file."""
    fields = _columns()
    names = [f.column_name for f in fields]
    defaults = {f.name: _default(f) for f in fields}
    quoted = ", ".join(f'"{n}"' for n in names)
    updates = ", ".join(f'"{n}" = EXCLUDED."{n}"' for n in names if n != "policy_number")
    table = Contract._meta.table_name
    created = total = 0
    with database.atomic():
        database.execute_sql(f'CREATE TEMPORARY TABLE contract_import ON COMMIT DROP AS '
                             f'SELECT {quoted} FROM "{table}" WITH NO DATA')
        cursor = database.cursor()
        for _, text in _copy_texts(rows, batch, [f.name for f in fields], defaults, parallel):
            cursor.copy_expert(f"COPY contract_import ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
                               io.StringIO(text))
            new, n = database.execute_sql(
                f'WITH up AS (INSERT INTO "{table}" ({quoted}) SELECT {quoted} FROM contract_import '
                f'ON CONFLICT ("policy_number") DO UPDATE SET {updates} RETURNING (xmax = 0) AS created) '
                f'SELECT COUNT(*) FILTER (WHERE created), COUNT(*) FROM up').fetchone()
            database.execute_sql("TRUNCATE contract_import")
            created += new
            total += n
            if progress:
                progress(total)
    return created, total - created


def _default(field):
    default = field.default
    value = default() if callable(default) else default
    return value
