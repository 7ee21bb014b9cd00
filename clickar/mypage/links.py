"""A member's contracts: find one, add one later (same identity check as
registration), remove a link. Nothing here touches `request`.
"""
from __future__ import annotations

from peewee import IntegrityError

from .. import identity
from ..db import database
from ..identity import MAX_CONTRACTS, MISMATCH_ADD
from ..models import Contract, Member, MemberContract


class LinkError(Exception):
    """Refused; .message is what the customer reads (never which field differed)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class _TooMany(Exception):
    """A concurrent add pushed the member past MAX_CONTRACTS (rolled back)."""


FULL = f"登録できるご契約は最大{MAX_CONTRACTS}契約です。ほかのご契約を登録するには、登録済みのご契約を削除してください。"


def linked_contract(member, policy_number: str) -> Contract | None:
    """The member's contract with this 証券番号 (None for anyone else's)."""
    return (Contract
            .select()
            .join(MemberContract)
            .where((Contract.policy_number == policy_number)
                   & (MemberContract.member == member.id))
            .first())


def count(member) -> int:
    return (MemberContract
            .select()
            .where(MemberContract.member == member.id)
            .count())


def can_add(member) -> bool:
    return count(member) < MAX_CONTRACTS


def identity_prefill(member) -> dict:
    """The holder's details from a linked contract, to start the form with."""
    first = Member.get_by_id(member.id).contracts().first()
    if first is None:
        return {}
    return {"name": first.name, "name_kana": first.name_kana, "birth_date": first.birth_date.isoformat(),
            "postal_code": first.postal_code, "address": first.address, "phone": first.phone}


def add(member, policy_number: str, profile: dict, client_key: str | None = None) -> Contract:
    """Link a contract: registration's identity check (clickar.identity), one message for any miss.

    Rate limited per client and per policy number (auth.limits raises Limited → 429
    with the time to wait).
    """
    if not can_add(member):
        raise LinkError(FULL)
    try:
        identity.check(profile, [policy_number], client_key)
    except identity.Mismatch:
        raise LinkError(MISMATCH_ADD) from None
    contract = Contract.by_policy_number(policy_number)
    try:
        with database.atomic():
            MemberContract.create(member=member.id, contract=contract)
            if count(member) > MAX_CONTRACTS:  # two tabs adding at once
                raise _TooMany()
    except IntegrityError:  # someone linked it meanwhile
        raise LinkError(MISMATCH_ADD) from None
    except _TooMany:
        raise LinkError(FULL) from None
    return contract


def remove(member, policy_number: str) -> bool:
    """Unlink (the contract and any renewal stay the insurer's). False when it was not linked."""
    contract = linked_contract(member, policy_number)
    if contract is None:
        return False
    deleted = (MemberContract
               .delete()
               .where((MemberContract.member == member.id) & (MemberContract.contract == contract))
               .execute())
    return deleted == 1
