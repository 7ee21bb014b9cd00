"""お客さま情報: what the insurer holds, and change requests for 住所・電話番号.

The contract record stays the insurer's: a change is recorded as a
ChangeRequest (exported by `flask --app wsgi changes export`) and applied by
the insurer; My Page shows it as 受付済み until then.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from peewee import IntegrityError

from .. import mail
from ..db import database
from ..models import ChangeRequest, Member
from ..renewal.wizard import RECEIPT_ALPHABET


class ProfileError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Holder:
    name: str
    name_kana: str
    birth_date: dt.date
    postal_code: str
    address: str
    phone: str
    phone2: str


def holder(member) -> Holder | None:
    """The contract holder's details as the insurer holds them (first linked contract)."""
    first = Member.get_by_id(member.id).contracts().first()
    if first is None:
        return None
    return Holder(first.name, first.name_kana, first.birth_date, first.postal_code, first.address,
                  first.phone, first.phone2)


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def request_change(member, postal_code: str, address: str, phone: str, insurer_name: str,
                   today: dt.date) -> ChangeRequest:
    """Record a change of 住所 (with 郵便番号) and/or 電話番号 for all linked contracts."""
    m = Member.get_by_id(member.id)
    contracts = list(m.contracts())
    if not contracts:
        raise ProfileError("登録されているご契約がないため、変更をお申し出いただけません。")
    current = contracts[0]
    address_changed = (_digits(postal_code) != _digits(current.postal_code)
                       or address.strip() != current.address.strip())
    phone_changed = _digits(phone) != _digits(current.phone)
    if not (address_changed or phone_changed):
        raise ProfileError("変更後の住所または電話番号を入力してください。現在の内容と同じです。")
    for _attempt in range(3):
        try:
            with database.atomic():
                req = ChangeRequest.create(
                    request_number=f"C{today:%y%m%d}-" + "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(6)),
                    member=m,
                    policy_numbers=[c.policy_number for c in contracts],
                    name=current.name,
                    old_postal_code=current.postal_code,
                    old_address=current.address,
                    old_phone=current.phone,
                    new_postal_code=postal_code if address_changed else "",
                    new_address=address.strip() if address_changed else "",
                    new_phone=phone.strip() if phone_changed else "",
                )
                outgoing = mail.queue("change_request", m.email,
                                      f"お客さま情報変更のお申し出受付のご連絡（{insurer_name}）",
                                      "renewal_change_request", req=req, contracts=contracts)
        except IntegrityError:
            continue  # request number collided
        mail.dispatch([outgoing])
        return req
    raise ProfileError("ただいま処理できません。時間をおいて、もう一度お試しください。")
