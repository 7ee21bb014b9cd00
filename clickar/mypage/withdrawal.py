"""退会 (会員規定 第8条): the account ends now; what identifies the member goes.

Deleted at once: the member (mail address, password hash), links to
contracts, trusted devices, one-time passwords, the 仮登録 records of that
mail address, and mails to that address that have not been sent. Anonymised:
sent mails to that address (recipient and body redacted); renewals and
change requests stay as the insurer's records of the contract but lose the
member and the mail address. Contracts themselves are the insurer's and stay.
A last mail confirms the withdrawal.
"""
from __future__ import annotations

from .. import mail
from ..auth import account
from ..db import database
from ..models import ChangeRequest, Member, OutboxMail, PendingRegistration, Renewal

REDACTED_RECIPIENT = "withdrawn@invalid"
REDACTED_BODY = "（退会により削除しました）"


class WithdrawalError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def withdraw(member_id: int, password: str, insurer_name: str, client: account.Client) -> str:
    """Returns the mail address the confirmation went to. The password is re-checked
    like every sensitive action (rate-limited, counted toward the lockout)."""
    member = Member.get_or_none(Member.id == member_id)
    if member is None:
        raise WithdrawalError("会員情報が見つかりません。")
    if not account.recheck_password(member, password, client):
        raise WithdrawalError("パスワードが正しくありません。")
    email = member.email
    with database.atomic():
        (Renewal.update(member=None, email="")
         .where(Renewal.member == member).execute())
        (ChangeRequest.update(member=None)
         .where(ChangeRequest.member == member).execute())
        (PendingRegistration.delete()
         .where((PendingRegistration.email == email) | (PendingRegistration.member == member)).execute())
        (OutboxMail.delete()
         .where((OutboxMail.recipient == email) & OutboxMail.sent_at.is_null()).execute())
        (OutboxMail.update(recipient=REDACTED_RECIPIENT, body=REDACTED_BODY)
         .where(OutboxMail.recipient == email).execute())
        member.delete_instance(recursive=True)
        outgoing = mail.queue("withdrawn", email, f"マイページ退会手続き完了のご連絡（{insurer_name}）",
                              "renewal_withdrawn")
    mail.dispatch([outgoing])
    return email
