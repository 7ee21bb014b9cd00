"""Throw-away test data: the rules behind the test API (no Flask request here)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

from .. import contracts
from ..db import database
from ..models import (Contract, Member, MemberContract, OneTimePassword, OutboxMail,
                      PendingRegistration, TrustedDevice, VerificationToken)

PREFIX = re.compile(r"[A-Za-z0-9]{6,20}")


def _defaults(today: dt.date) -> dict:
    """Columns a tester rarely cares about; identity columns have no default."""
    end = today + dt.timedelta(days=45)
    return {
        "car_name": "テストカー",
        "insurance_start": end.replace(year=end.year - 1).isoformat(),
        "insurance_end": end.isoformat(),
        "group_name": "株式会社クリックカー商事",
        "agency_name": "クリック保険サービス株式会社",
        "agency_phone": "03-5000-1234",
        "phone2": "",
        "name_kana": "",
    }


def create_contract(fields: dict, today: dt.date | None = None) -> tuple[Contract | None, list[str]]:
    """Validate one contract exactly as `contracts import` does, then insert it.

    Returns (contract, []) or (None, ["column: reason", …]). An existing policy
    number is refused: a throw-away contract never overwrites a real one.
    """
    unknown = sorted(set(fields) - set(contracts.COLUMNS))
    if unknown:
        return None, [f"{name}: unknown column" for name in unknown]
    row = {**_defaults(today or dt.date.today()),
           **{k: ("" if v is None else str(v)) for k, v in fields.items()}}
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=contracts.COLUMNS)
    writer.writeheader()
    writer.writerow(row)
    result = contracts.parse(text.getvalue())
    if result.errors:
        return None, [e.split(": ", 1)[1] for e in result.errors]
    parsed = result.rows[0]
    if Contract.by_policy_number(parsed["policy_number"]) is not None:
        return None, ["policy_number: already exists"]
    contracts.upsert([parsed])
    return Contract.by_policy_number(parsed["policy_number"]), []


def mails_to(address: str, after_id: int = 0) -> list[OutboxMail]:
    """Every mail written for this address (sent or waiting), oldest first."""
    return list(OutboxMail
                .select()
                .where((OutboxMail.recipient == address.strip().lower())
                       & (OutboxMail.id > after_id))
                .order_by(OutboxMail.id))


def delete_run(policy_prefix: str, emails: list[str]) -> dict:
    """Delete contracts whose policy number starts with the prefix, the members
    with these addresses or linked to those contracts, and everything hanging
    off them (links, 仮登録, tokens, devices, one-time passwords, mails)."""
    if not PREFIX.fullmatch(policy_prefix or ""):
        raise ValueError("policy_prefix: 6-20 half-width letters and digits")
    emails = {e.strip().lower() for e in emails if e and e.strip()}
    counts: dict[str, int] = {}
    with database.atomic():
        contract_ids = [c.id for c in Contract
                        .select(Contract.id)
                        .where(Contract.policy_number.startswith(policy_prefix.upper()))]
        linked = (MemberContract
                  .select(MemberContract.member)
                  .where(MemberContract.contract.in_(contract_ids)))
        members = list(Member
                       .select()
                       .where(Member.email.in_(list(emails)) | Member.id.in_(linked)))
        member_ids = [m.id for m in members]
        emails |= {m.email for m in members}
        registrations = (PendingRegistration
                         .select(PendingRegistration.id)
                         .where(PendingRegistration.email.in_(list(emails))))
        counts["tokens"] = (VerificationToken
                            .delete()
                            .where(VerificationToken.registration.in_(registrations))
                            .execute())
        counts["registrations"] = (PendingRegistration
                                   .delete()
                                   .where(PendingRegistration.email.in_(list(emails)))
                                   .execute())
        counts["devices"] = TrustedDevice.delete().where(TrustedDevice.member.in_(member_ids)).execute()
        counts["one_time_passwords"] = (OneTimePassword
                                        .delete()
                                        .where(OneTimePassword.member.in_(member_ids))
                                        .execute())
        counts["links"] = (MemberContract
                           .delete()
                           .where(MemberContract.member.in_(member_ids)
                                  | MemberContract.contract.in_(contract_ids))
                           .execute())
        counts["members"] = Member.delete().where(Member.id.in_(member_ids)).execute()
        counts["contracts"] = Contract.delete().where(Contract.id.in_(contract_ids)).execute()
        counts["mails"] = OutboxMail.delete().where(OutboxMail.recipient.in_(list(emails))).execute()
    return counts
