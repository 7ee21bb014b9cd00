"""Invitation letters' rules: batches, tokens (hash only), the short registration. No Flask request.

A token is 160 random bits written in base32 capitals (A-Z, 2-7), so /I/<TOKEN>
stays in the QR code's alphanumeric mode. Only its SHA-256 is stored. A batch is
made with unusable placeholder hashes; each download of its letters issues fresh
tokens for the letters still open (so an earlier printout stops working) and the
tokens exist only in the streamed PDF or CSV.
"""
from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
from typing import Iterable, Iterator

from peewee import JOIN, fn

from .. import identity, mail
from ..jp import JST
from ..db import database
from ..models import (Contract, Invitation, InvitationBatch, MemberContract, StaffAudit, now,
                      token_hash)

TOKEN_BYTES = 20  # 160 bits
TOKEN_RE = re.compile(r"[A-Z2-7]{32}")
MAX_BIRTH_FAILURES = 5
CHUNK = 200


def new_token() -> str:
    return base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode()


def normalise(token: str | None) -> str | None:
    """The token as printed (any case); None when it cannot be one (refused without a query)."""
    value = (token or "").strip().upper()
    return value if TOKEN_RE.fullmatch(value) else None


def hash_of(token: str) -> str:
    return token_hash("invitation:" + token)


def expiry(contract: Contract) -> dt.datetime:
    """The renewal period closes at the end of 保険終期 (JST), as naive UTC like every table."""
    end = dt.datetime.combine(contract.insurance_end + dt.timedelta(days=1), dt.time(), JST)
    return end.astimezone(dt.timezone.utc).replace(tzinfo=None)


def letter_url(base_url: str, token: str) -> str:
    """HTTP://HOST/I/TOKEN in capitals: the QR code's alphanumeric mode."""
    return base_url.rstrip("/").upper() + "/I/" + token


# ------------------------------------------------------------------ batches

def free_contracts_of_group(group_name: str):
    return _free(Contract.select().where(Contract.group_name == group_name))


def _free(query):
    return (query.join(MemberContract, JOIN.LEFT_OUTER, on=(MemberContract.contract == Contract.id))
            .where(MemberContract.id.is_null()).order_by(Contract.id))


def choose(group_name: str = "", policy_numbers: Iterable[str] = ()) -> tuple[list[Contract], int]:
    """The free contracts chosen, and how many were skipped (registered already, or unknown)."""
    if group_name:
        everyone = Contract.select().where(Contract.group_name == group_name).count()
        chosen = list(free_contracts_of_group(group_name))
        return chosen, everyone - len(chosen)
    numbers = list(dict.fromkeys(identity.normalise_policy_number(n) for n in policy_numbers if n.strip()))
    chosen = list(_free(Contract.select().where(Contract.policy_number.in_(numbers)))) if numbers else []
    return chosen, len(numbers) - len(chosen)


def audit(action: str, actor_email: str, subject: str) -> None:
    StaffAudit.create(at=now(), action=action, actor_email=actor_email, subject_email=subject[:254])


def create_batch(staff_email: str, label: str, contracts: list[Contract], skipped: int) -> InvitationBatch:
    """The batch and one invitation per contract (placeholder hashes: no letter works before a download)."""
    with database.atomic():
        batch = InvitationBatch.create(created_by=staff_email, label=label[:100], letters=len(contracts),
                                       skipped=skipped)
        rows = [{"batch": batch.id, "contract": c.id, "token_hash": hash_of("placeholder:" + new_token()),
                 "expires_at": expiry(c)} for c in contracts]
        for start in range(0, len(rows), CHUNK):
            Invitation.insert_many(rows[start:start + CHUNK]).execute()
        audit("invitation_create", staff_email, f"batch {batch.id}: {len(contracts)} letters, {skipped} skipped")
    return batch


def open_invitations(batch: InvitationBatch):
    return (Invitation.select(Invitation, Contract).join(Contract)
            .where((Invitation.batch == batch) & Invitation.revoked_at.is_null()
                   & Invitation.used_at.is_null() & Invitation.locked_at.is_null())
            .order_by(Invitation.id))


def issue(batch: InvitationBatch, staff_email: str, what: str) -> Iterator[tuple[Invitation, str]]:
    """Fresh tokens for the batch's open letters, a chunk at a time (bounded memory), audited once."""
    audit("invitation_download", staff_email, f"batch {batch.id}: {what}, {open_invitations(batch).count()} letters")
    last = 0
    while True:
        chunk = list(open_invitations(batch).where(Invitation.id > last).limit(CHUNK))
        if not chunk:
            return
        issued = [(inv, new_token()) for inv in chunk]
        with database.atomic():
            for inv, token in issued:
                Invitation.update(token_hash=hash_of(token)).where(Invitation.id == inv.id).execute()
        yield from issued
        last = chunk[-1].id


def revoke(invitation_id: int) -> bool:
    return bool(Invitation.update(revoked_at=now())
                .where((Invitation.id == invitation_id) & Invitation.revoked_at.is_null()).execute())


def revoke_batch(batch: InvitationBatch) -> int:
    with database.atomic():
        InvitationBatch.update(revoked_at=now()).where(InvitationBatch.id == batch.id).execute()
        return (Invitation.update(revoked_at=now())
                .where((Invitation.batch == batch) & Invitation.revoked_at.is_null()).execute())


# ------------------------------------------------------------------ a letter's URL

def lookup(token: str | None) -> tuple[str, Invitation | None]:
    """'open', 'registered' (its contract has a member) or 'gone' (unknown, expired, revoked,
    used, locked: one answer that never says which). A revoked, locked or expired letter is
    'gone' even when its contract is registered: only a letter still valid or used says 登録済み."""
    value = normalise(token)
    if value is None:
        return "gone", None
    invitation = (Invitation.select(Invitation, Contract).join(Contract)
                  .where(Invitation.token_hash == hash_of(value)).first())
    if invitation is None:
        return "gone", None
    if invitation.revoked_at or invitation.locked_at or invitation.expires_at <= now():
        return "gone", invitation
    if invitation.contract.is_linked():
        return "registered", invitation
    return ("gone" if invitation.used_at else "open"), invitation


def mark(invitation: Invitation, column) -> None:
    """Funnel: the first scan / start of this letter (a column of its own row: no token anywhere)."""
    Invitation.update({column: now()}).where((Invitation.id == invitation.id) & column.is_null()).execute()


def birth_date_matches(invitation: Invitation, born: dt.date) -> bool:
    """The proof the letter reached its owner. Each try takes one of the letter's 5 before
    the comparison (atomically, so posts sent at once never get more); a right one gives
    it back, the fifth miss locks the letter."""
    notice = None
    with database.atomic():
        counted = (Invitation.update(failures=Invitation.failures + 1)
                   .where((Invitation.id == invitation.id) & (Invitation.failures < MAX_BIRTH_FAILURES)
                          & Invitation.locked_at.is_null()).execute())
        if not counted:
            return False
        if invitation.contract.birth_date == born:
            Invitation.update(failures=Invitation.failures - 1).where(Invitation.id == invitation.id).execute()
            return True
        failures = Invitation.get_by_id(invitation.id).failures
        if failures >= MAX_BIRTH_FAILURES:
            locked = (Invitation.update(locked_at=now())
                      .where((Invitation.id == invitation.id) & Invitation.locked_at.is_null()).execute())
            if locked:  # the agency sees it in the console's audit, and is told by mail
                audit("invitation_locked", "system",
                      f"batch {invitation.batch_id}: {invitation.contract.agency_name} "
                      f"{masked_policy_number(invitation.contract.policy_number)}")
                notice = _lock_notice(invitation)
    if notice is not None:
        mail.dispatch([notice])
    return False


def _lock_notice(invitation: Invitation):
    """The agency of the contract's group (groups import's agency_email, else the renewal
    notices' address) hears that the letter is locked: they call the member, who registers
    the normal way."""
    from ..renewal import plans

    contract = invitation.contract
    return mail.queue("invitation_locked_agency", plans.plan_of(contract, plans.default_agency_email()).agency_email,
                      f"【Clickar】招待状のロック（証券番号 {contract.policy_number}）",
                      "invitation_locked_agency", contract=contract, invitation=invitation,
                      tries=MAX_BIRTH_FAILURES)


def use(invitation: Invitation) -> None:
    """Single use: the 仮登録 made with this letter takes it (inside make_pending's transaction),
    only while it is still the open letter that was looked up (not revoked, locked or reissued meanwhile)."""
    claimed = (Invitation.update(used_at=now())
               .where((Invitation.id == invitation.id) & Invitation.used_at.is_null()
                      & Invitation.revoked_at.is_null() & Invitation.locked_at.is_null()
                      & (Invitation.token_hash == invitation.token_hash)).execute())
    if claimed != 1:
        raise Used()


class Used(Exception):
    """The letter was used by another request meanwhile."""


# ------------------------------------------------------------------ console

PAGE_SIZE = 100
STATES = {"revoked": "取消済み", "used": "登録に使用済み", "locked": "ロック中",
          "expired": "期限切れ", "scanned": "読み取り済み", "waiting": "未読み取り"}


def masked_policy_number(number: str) -> str:
    """Only the last 4 characters (enough for the agency to find the contract); not its length."""
    return "＊＊＊＊" + number[-4:]


def letter_state(invitation: Invitation, at: dt.datetime | None = None) -> str:
    if invitation.revoked_at:
        return "revoked"
    if invitation.used_at:
        return "used"
    if invitation.locked_at:
        return "locked"
    if invitation.expires_at <= (at or now()):
        return "expired"
    return "scanned" if invitation.scanned_at else "waiting"


def letters_of(batch: InvitationBatch, page: int = 1):
    """One page of the batch's letters (its contract joined), in order."""
    return (Invitation.select(Invitation, Contract).join(Contract).where(Invitation.batch == batch)
            .order_by(Invitation.id).paginate(page, PAGE_SIZE))


def locked_letters(batch: InvitationBatch):
    """Letters locked after 5 wrong birth dates: the agency calls the member (newest first)."""
    return (Invitation.select(Invitation, Contract).join(Contract)
            .where((Invitation.batch == batch) & Invitation.locked_at.is_null(False))
            .order_by(Invitation.locked_at.desc()))


def batches():
    return InvitationBatch.select().order_by(InvitationBatch.id.desc())


FUNNEL_STEPS = ("scans", "started", "locked", "registered", "renewed")


def _counts(batch: InvitationBatch, rows) -> dict:
    """Funnel steps of these invitation rows of the batch."""
    from ..models import Renewal

    contract_ids = rows.select(Invitation.contract)
    registered = (MemberContract.select().where(MemberContract.contract.in_(contract_ids)
                                                & (MemberContract.linked_at >= batch.created_at)).count())
    renewed = (Renewal.select(fn.COUNT(fn.DISTINCT(Renewal.contract)))
               .where(Renewal.contract.in_(contract_ids) & (Renewal.submitted_at >= batch.created_at)
                      & Renewal.cancelled_at.is_null()).scalar() or 0)
    return {"scans": rows.where(Invitation.scanned_at.is_null(False)).count(),
            "started": rows.where(Invitation.started_at.is_null(False)).count(),
            "locked": rows.where(Invitation.locked_at.is_null(False)).count(),
            "registered": registered, "renewed": renewed}


def funnel(batch: InvitationBatch) -> dict:
    """letters → scans → started → registered → renewed (and locked), for one batch: its rows'
    counts plus those purge kept when it deleted rows past their renewal period."""
    live = _counts(batch, Invitation.select().where(Invitation.batch == batch))
    return {"letters": batch.letters, **{step: live[step] + getattr(batch, "purged_" + step) for step in FUNNEL_STEPS}}


def purge_expired(cutoff: dt.datetime) -> int:
    """Delete invitation rows whose letter expired before cutoff (who got a letter, scanned it,
    mistyped a birth date), adding their funnel counts to the batch first. Rows deleted."""
    deleted = 0
    for batch in InvitationBatch.select().where(InvitationBatch.id.in_(
            Invitation.select(Invitation.batch).where(Invitation.expires_at < cutoff))):
        rows = Invitation.select().where((Invitation.batch == batch) & (Invitation.expires_at < cutoff))
        gone = _counts(batch, rows)
        (InvitationBatch.update({getattr(InvitationBatch, "purged_" + s): getattr(InvitationBatch, "purged_" + s) + gone[s]
                                 for s in FUNNEL_STEPS}).where(InvitationBatch.id == batch.id).execute())
        deleted += Invitation.delete().where(Invitation.id.in_(rows.select(Invitation.id))).execute()
    return deleted
