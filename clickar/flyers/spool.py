"""Flyer scans written to a file before the 302, moved into the database in batches.

/r/CODE is the first hit of every scan on flyer day. Writing its visit row inside the
request cost a PostgreSQL round trip and a Redis one (the per-client share); now the scan
is one appended line in this process's spool file, and a thread moves the lines into
`visit` about once a second, many rows to a transaction, with the shares counted for the
whole batch in one Redis pipeline.

No scan is lost, a crash included:
- the line is written (one `write` to an O_APPEND file) before the 302 is sent; a process
  killed after that leaves it in the file: the kernel has it;
- each process holds an exclusive `flock` on its own file for as long as it lives. A file
  whose lock can be taken belongs to no live process (a worker killed with -9, a host
  restarted): any process's thread takes it over and moves its lines;
- a line carries its own id (`scan_id`, unique in `visit`), so a batch moved twice (the
  process died between the commit and removing the file, or the database failed half-way
  and the batch is retried) is written once;
- a batch that cannot be written (PostgreSQL away) stays in its file and is retried.
What a crash of the machine itself can lose is what the kernel had not yet written to
disk (as the asynchronous commit before it could lose its last 0.6 s); nothing is fsynced.

The spool folder is per database (two apps on one host with different databases never
move each other's scans) and per host: processes on one host share it; each host's
processes move their own host's scans.
"""
from __future__ import annotations

import datetime as dt
import errno
import fcntl
import hashlib
import json
import logging
import os
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger(__name__)

INTERVAL_S = 1.0   # how often a process moves its lines (and looks for abandoned files)
BATCH = 500        # rows per INSERT
UNFINISHED_AGE_S = 60  # a `.new` file older than this, unlocked and empty, is a dead process's leftover
SUFFIX = ".spool"


def folder_for(app) -> Path:
    """VISIT_SPOOL_DIR, else folder_for_url(the database)."""
    configured = app.config.get("VISIT_SPOOL_DIR")
    if configured:
        return Path(configured)
    return folder_for_url(app.config["DATABASE_URL"], Path(app.instance_path))


def folder_for_url(url: str, instance: Path) -> Path:
    """Next to a SQLite file, else instance/spool/<hash of the database, however it is reached>."""
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url[len("sqlite:///"):].split("?")[0] + ".spool")
    parts = urlsplit(url)
    scheme = {"postgres": "postgresql", "postgresql+pool": "postgresql"}.get(parts.scheme, parts.scheme)
    digest = hashlib.sha256(urlunsplit((scheme, parts.netloc, parts.path, "", "")).encode()).hexdigest()[:16]
    return instance / "spool" / digest


class Spool:
    """This process's spool file, and the mover of every file of the folder."""

    def __init__(self, folder: Path, app=None, interval: float = INTERVAL_S):
        self.folder = Path(folder)
        self.app = app
        self.interval = interval
        self._lock = threading.Lock()      # one writer at a time swaps or writes the file
        self._moving = threading.Lock()    # one mover at a time in this process
        self._fd: int | None = None
        self._path: Path | None = None
        self._pid: int | None = None
        self._dirty = False
        self._cut = False
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ writing

    def write(self, record: dict) -> str:
        """Append one scan (its id is made here and returned); the line is in the file on return."""
        record = {"id": uuid.uuid4().hex, **record}  # a record may bring its own id (tracking.spool_scan)
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        with self._lock:
            if self._pid != os.getpid():  # first scan of this process (a worker after the fork)
                self._open_own()
            if self._cut:  # the last line was cut short (a full disk): end it so this one stays whole
                line = b"\n" + line
            written = os.write(self._fd, line)
            self._dirty = True
            self._cut = written != len(line)
            if self._cut:
                raise OSError(errno.ENOSPC, "visit spool: line cut short")
        return record["id"]

    def _open_own(self) -> None:
        self._open_file()
        self._pid = os.getpid()
        if self.app is not None:
            self._thread = threading.Thread(target=self._run, name="clickar-visit-spool", daemon=True)
            self._thread.start()

    def _rotate(self) -> tuple[int, Path] | None:
        """Swap this process's file for a new one; the old one (still locked) is returned to move."""
        with self._lock:
            if self._pid != os.getpid() or not self._dirty:
                return None
            old = (self._fd, self._path)
            self._open_file()
            return old

    def _open_file(self) -> None:
        # Made under a name no mover looks at, locked, and only then given its .spool name: a
        # mover between the creation and the lock would take the empty file over and remove it
        # (outside attack r23-spool, HIGH 2). The folder is made again if it was removed.
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"visits-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        making = self.folder / f"{name}.new"
        fd = os.open(making, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held while this process may write to it
        path = self.folder / f"{name}{SUFFIX}"
        os.rename(making, path)
        self._fd, self._path, self._dirty = fd, path, False

    # ------------------------------------------------------------------- moving

    def move(self) -> int:
        """Move this process's lines and every abandoned file's into the database; rows written.

        Call with an app context. A file whose batch fails stays (unlocked) for the next round."""
        with self._moving:
            written = 0
            own = self._rotate()
            if own is not None:
                fd, path = own
                try:
                    written += self._move_file(fd, path)
                finally:
                    os.close(fd)  # a file not moved is left unlocked: the next round takes it
            if self.folder.is_dir():
                for path in sorted(self.folder.glob(f"*{SUFFIX}")):
                    if path == self._path:
                        continue
                    written += self._take_over(path)
                self._sweep_unfinished()
            return written

    def _sweep_unfinished(self) -> None:
        """A process killed between making its file and naming it leaves an empty, unlocked `.new`
        (nothing is written before the rename): removed once a minute old, never one still locked."""
        for path in self.folder.glob("*.new"):
            try:
                if time.time() - path.stat().st_mtime < UNFINISHED_AGE_S:
                    continue
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if os.fstat(fd).st_size == 0:
                    path.unlink(missing_ok=True)
            except OSError:
                pass  # locked: a process is making it right now
            finally:
                os.close(fd)

    def _take_over(self, path: Path) -> int:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return 0  # moved by another process meanwhile
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                    return 0  # a live process's file, or another mover has it
                raise
            stat = os.fstat(fd)
            try:
                same = os.stat(path).st_ino == stat.st_ino
            except FileNotFoundError:
                same = False
            if stat.st_nlink == 0 or not same:
                return 0  # moved and removed by another process after we opened it
            return self._move_file(fd, path)
        finally:
            os.close(fd)

    def _move_file(self, fd: int, path: Path) -> int:
        # read through the locked handle itself: the name may be gone (the folder removed) or,
        # in a race, another file's
        chunks, at = [], 0
        while True:
            chunk = os.pread(fd, 1 << 20, at)
            if not chunk:
                break
            chunks.append(chunk)
            at += len(chunk)
        data = b"".join(chunks)
        records, broken = [], 0
        for raw in data.splitlines():
            if not raw.strip():
                continue
            try:
                records.append(json.loads(raw))
            except ValueError:
                broken += 1  # a line cut short by a full disk: nothing to recover
        if broken:
            log.warning("visit spool %s: %d unreadable lines skipped", path.name, broken)
        written = store(records) if records else 0
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        return written

    def _run(self) -> None:
        from ..db import database, forget_connection

        while True:
            time.sleep(self.interval)
            try:
                with self.app.app_context():
                    try:
                        self.move()
                    finally:
                        if not database.is_closed():
                            database.close()
            except Exception:  # noqa: BLE001 - the lines stay in their file for the next round
                log.exception("visit spool: move failed, retried in %.0f s", self.interval)
                try:
                    forget_connection()
                except Exception:  # noqa: BLE001
                    pass

    def close(self) -> None:
        """Give up this process's file (a worker stopping, an app put away); lines still in it are
        left to be moved by the others, an empty file is removed."""
        with self._lock:
            if self._fd is not None and self._pid == os.getpid():
                if os.fstat(self._fd).st_size == 0:
                    self._path.unlink(missing_ok=True)
                os.close(self._fd)
            self._fd = self._path = self._pid = None
        _spools.pop(str(self.folder), None)

    def pending(self) -> int:
        """Bytes waiting in the folder (all files, live or abandoned)."""
        if not self.folder.is_dir():
            return 0
        total = 0
        for path in self.folder.glob(f"*{SUFFIX}"):
            try:
                total += path.stat().st_size
            except FileNotFoundError:
                pass
        return total


def store(records: list[dict]) -> int:
    """Write spooled scans as visit rows, in one transaction: a scan written once (scan_id), a scan
    of a campaign deleted meanwhile dropped, and each client's share per campaign counted (limits:
    visit-client, one Redis pipeline for the batch) for the new rows only, after they were
    inserted and before the commit, the rows over it deleted again. So a batch the database
    refuses counts no share (retried round after round while PostgreSQL is away, it would
    otherwise count its scans again each round until every one was "over its share" and dropped:
    outside attack r23-spool, HIGH 1). Returns the rows kept."""
    from peewee import chunked

    from ..auth import limits
    from ..db import database
    from ..models import Campaign, Visit

    rows, keys, broken = [], {}, 0
    for record in records:
        try:
            row = {"scan_id": str(record["id"])[:32], "campaign": int(record["c"]),
                   "created_at": dt.datetime.fromisoformat(record["at"]), "client": str(record["client"])[:32],
                   "device": str(record["device"])[:20], "browser": str(record["browser"])[:20],
                   "is_bot": bool(record["bot"])}
        except (KeyError, TypeError, ValueError, AttributeError):
            broken += 1  # never let one bad line hold the whole file back round after round
            continue
        rows.append(row)
        keys[row["scan_id"]] = str(record.get("k", ""))
    if broken:
        log.warning("visit spool: %d malformed scans skipped", broken)
    if not rows:
        return 0
    with database.atomic():
        wanted = {row["campaign"] for row in rows}
        alive = {c for (c,) in Campaign.select(Campaign.id).where(Campaign.id.in_(wanted)).tuples()}
        ids = [row["scan_id"] for row in rows]
        there = {i for batch in chunked(ids, BATCH)
                 for (i,) in Visit.select(Visit.scan_id).where(Visit.scan_id.in_(list(batch))).tuples()}
        rows = [row for row in rows if row["campaign"] in alive and row["scan_id"] not in there]
        rows = list({row["scan_id"]: row for row in rows}.values())  # a line twice in one batch: once
        for batch in chunked(rows, BATCH):
            Visit.insert_many(batch).on_conflict_ignore().execute()
        policy = limits.policy()
        try:
            counted = policy.acquire_each([("visit-client", keys[row["scan_id"]]) for row in rows])
        except Exception:  # noqa: BLE001 - the share guards the figures against scripts; a real scan counts
            log.warning("visit spool: rate-limit storage unavailable, %d scans counted unchecked", len(rows))
            counted = [True] * len(rows)
        over = [row["scan_id"] for row, ok in zip(rows, counted) if not ok]
        for _ in over:
            if policy.on_refuse:
                policy.on_refuse("visit-client")  # Prometheus: clickar_rate_limit_hits_total
        for batch in chunked(over, BATCH):
            Visit.delete().where(Visit.scan_id.in_(list(batch))).execute()
    return len(rows) - len(over)


_spools: dict[str, Spool] = {}
_spools_lock = threading.Lock()


def for_app(app) -> Spool:
    """The app's spool (one per folder per process)."""
    spool = app.extensions.get("clickar_visit_spool")
    if spool is not None and _spools.get(str(spool.folder)) is spool:
        return spool
    spool = app.extensions["clickar_visit_spool"] = _for_folder(app)
    return spool


def _for_folder(app) -> Spool:
    folder = folder_for(app)
    key = str(folder)
    spool = _spools.get(key)
    if spool is None:
        with _spools_lock:
            spool = _spools.get(key)
            if spool is None:
                # 0: no thread (the test suite's apps move their scans themselves: flush_scans)
                interval = app.config.get("VISIT_SPOOL_INTERVAL", INTERVAL_S)
                spool = _spools[key] = Spool(folder, app if interval else None, interval)
    return spool
