"""Account security rules: login with soft lockout, history, reset, mail change, devices.

Domain code: no `request` here; views pass what they read from it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import secrets
from dataclasses import dataclass

from flask import current_app

from .. import mail
from ..db import database
from ..models import AccountToken, LoginEvent, Member, TrustedDevice, now, token_hash
from . import authenticator, limits, lockout
from .passwords import hash_password, verify_password

RESET_LIFETIME = dt.timedelta(hours=1)
EMAIL_LIFETIME = dt.timedelta(hours=24)

EVENT_LABELS = {
    "login": "ログイン",
    "login_failed": "ログイン失敗（パスワード誤り）",
    "locked": "連続したログイン失敗による一時ロック",
    "otp_failed": "ワンタイムパスワード誤り",
    "codes_locked": "ワンタイムパスワード誤りの連続によるログイン停止",
    "logout": "ログアウト",
    "registered": "会員登録",
    "password_changed": "パスワード変更",
    "password_reset": "パスワード再設定",
    "email_changed": "メールアドレス変更",
    "device_trusted": "信頼できる端末の登録",
    "device_revoked": "信頼できる端末の解除",
    "authenticator_on": "認証アプリの設定",
    "authenticator_off": "認証アプリの解除",
    "recovery_used": "リカバリーコードの使用",
}


@dataclass
class Client:
    """Who is asking: the anonymised address (history), the network (lockout), the user agent."""

    address: str
    user_agent: str
    network: str = ""

    @classmethod
    def of(cls, remote_addr: str | None, user_agent: str | None, network: str | None = None) -> "Client":
        return cls(anonymise(remote_addr), (user_agent or "")[:255], network or remote_addr or "unknown")


def anonymise(remote_addr: str | None) -> str:
    """IPv4 → /24, IPv6 → /48: enough to recognise a network, not a person."""
    try:
        ip = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def record(member: Member, kind: str, client: Client | None = None) -> None:
    LoginEvent.create(member=member, kind=kind,
                      client=client.address if client else "",
                      user_agent=client.user_agent if client else "")


def _account_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


# ------------------------------------------------------------------ login

def lock_account(member: Member) -> str:
    return f"member:{member.id}"


def check_login(email: str, password: str, client: Client, device_cookie: str | None = None) -> Member | None:
    """The member when the password is right and this place is not waiting; else None.

    Unknown addresses cost the same argon2 check (dummy hash), and a waiting
    account answers exactly like a wrong password. The place is the client
    network, or, for a browser the member trusts (device_cookie), that device:
    a stranger on the same network does not hold the owner's trusted browser,
    and a trusted browser cannot guess without waiting either. The per-account
    rate limit is counted per place too.
    """
    member = Member.by_email(email)
    device = TrustedDevice.valid_for(member, device_cookie) if member is not None else None
    place = f"device:{device.id}" if device else client.network
    limits.hit("login-account", f"{_account_key(email)}:{place}")
    right = verify_password(member.password_hash if member else None, password)
    if member is None:
        return None
    if lockout.is_locked(lock_account(member), place):
        record(member, "login_failed", client)
        return None
    if not right:
        _count_failure(member, client, place)
        return None
    lockout.clear(lock_account(member), place)
    return member


def _count_failure(member: Member, client: Client, place: str | None = None) -> None:
    """One wrong password (at login or at a re-check) toward this place's wait; a notice when it starts."""
    started = lockout.count_failure(lock_account(member), place or client.network)
    outgoing = None
    with database.atomic():
        record(member, "login_failed", client)
        if started:
            record(member, "locked", client)
            if limits.allowed("lock-notice", str(member.id)):  # many networks: a few mails a day, not one each
                limits.hit("lock-notice", str(member.id))
                outgoing = mail.queue("locked", member.email,
                                      f"【マイページ】ログインを一時的に制限しました（{current_app.config['INSURER_NAME']}）",
                                      "locked", minutes=int(lockout.LOCK_FIRST.total_seconds() // 60))
    if outgoing is not None:
        mail.dispatch([outgoing])


def recheck_password(member: Member, password: str, client: Client) -> bool:
    """The current password again before a sensitive action (退会, password, mail, authenticator).

    Rate-limited per member; a wrong one counts toward this network's wait like
    a wrong login, and while the network waits even the right one is refused.
    """
    limits.hit("reauth-member", str(member.id))
    right = verify_password(member.password_hash, password or "")
    if lockout.is_locked(lock_account(member), client.network):
        return False
    if not right:
        _count_failure(member, client)
        return False
    return True


def signed_in(member: Member, client: Client) -> None:
    Member.update(last_login_at=now()).where(Member.id == member.id).execute()
    record(member, "login", client)


def end_all_sessions(member: Member) -> None:
    Member.update(session_version=Member.session_version + 1).where(Member.id == member.id).execute()


def revoke_devices(member: Member, device_id: int | None = None) -> int:
    query = (TrustedDevice
             .update(revoked_at=now())
             .where((TrustedDevice.member == member) & TrustedDevice.revoked_at.is_null()))
    if device_id is not None:
        query = query.where(TrustedDevice.id == device_id)
    return query.execute()


def end_links(member: Member, keep: AccountToken | None = None) -> None:
    """Every unused reset and mail-change link of this member stops working (but `keep`)."""
    query = (AccountToken
             .update(used_at=now())
             .where((AccountToken.member == member) & AccountToken.used_at.is_null()))
    if keep is not None:
        query = query.where(AccountToken.id != keep.id)
    query.execute()


def _new_password(member: Member, new_password: str) -> None:
    """Set it; every session, trusted device, open link, network wait and code lock ends."""
    Member.update(password_hash=hash_password(new_password), failed_codes=0, codes_locked_at=None,
                  session_version=Member.session_version + 1).where(Member.id == member.id).execute()
    revoke_devices(member)
    end_links(member)
    lockout.clear(lock_account(member))


# ----------------------------------------------------------- password reset

def request_reset(email: str, reset_url, client_key: str) -> None:
    """Mail a reset link when the address is a member; silent either way (no enumeration)."""
    limits.hit("reset-client", client_key)
    member = Member.by_email(email)
    if member is None or not limits.allowed("reset-account", _account_key(email)):
        return
    limits.hit("reset-account", _account_key(email))
    token = secrets.token_urlsafe(32)
    with database.atomic():
        (AccountToken
         .update(used_at=now())
         .where((AccountToken.member == member) & (AccountToken.purpose == "reset")
                & AccountToken.used_at.is_null())
         .execute())
        AccountToken.create(member=member, purpose="reset", token_hash=token_hash(token),
                            expires_at=now() + RESET_LIFETIME)
        outgoing = mail.queue("reset", member.email,
                              f"【マイページ】パスワード再設定のご案内（{current_app.config['INSURER_NAME']}）",
                              "reset", url=reset_url(token), minutes=int(RESET_LIFETIME.total_seconds() // 60))
    mail.dispatch([outgoing])


def reset_password(token: str, new_password: str, client: Client) -> Member | None:
    """Set the new password; every session, trusted device and other link ends. None when the link is dead."""
    row = AccountToken.live("reset", token)
    if row is None:
        return None
    with database.atomic():
        if not row.claim():
            return None
        member = row.member
        _new_password(member, new_password)
        record(member, "password_reset", client)
        outgoing = _notice(member.email, "パスワードが再設定されました", "password_changed")
    mail.dispatch([outgoing])
    return Member.get_by_id(member.id)


def _notice(to: str, what: str, template: str, **ctx):
    return mail.queue(template, to, f"【マイページ】{what}（{current_app.config['INSURER_NAME']}）",
                      template, what=what, **ctx)


# --------------------------------------------------------- password change

def change_password(member: Member, current: str, new_password: str, client: Client) -> bool:
    if not recheck_password(member, current, client):
        return False
    with database.atomic():
        _new_password(member, new_password)
        record(member, "password_changed", client)
        outgoing = _notice(member.email, "パスワードが変更されました", "password_changed")
    mail.dispatch([outgoing])
    return True


# ------------------------------------------------------- authenticator app

def authenticator_on(member: Member, current: str, secret: str, code: str, client: Client) -> list[str] | str:
    """The recovery codes, or 'wrong_password' / 'wrong_code'. The member is told by mail."""
    if not recheck_password(member, current, client):
        return "wrong_password"
    codes = authenticator.enable(member, secret, code)
    if codes is None:
        return "wrong_code"
    _authenticator_notice(member, client, on=True)
    return codes


def authenticator_off(member: Member, current: str, client: Client) -> bool:
    if not recheck_password(member, current, client):
        return False
    authenticator.disable(member)
    _authenticator_notice(member, client, on=False)
    return True


def _authenticator_notice(member: Member, client: Client, on: bool) -> None:
    with database.atomic():
        record(member, "authenticator_on" if on else "authenticator_off", client)
        outgoing = _notice(member.email, "認証アプリを設定しました" if on else "認証アプリの利用を解除しました",
                           "authenticator_notice", on=on)
    mail.dispatch([outgoing])


# ------------------------------------------------------------ mail change

def request_email_change(member: Member, current: str, new_email: str, confirm_url, client: Client) -> str:
    """'sent' | 'wrong_password'. The new address gets a link; the old one a notice.

    Each request ends every earlier mail-change and reset link. An address that
    already belongs to a member is answered 'sent' too (no enumeration); no link
    goes there, only a note that someone tried.
    """
    if not recheck_password(member, current, client):
        return "wrong_password"
    limits.hit("email-change", str(member.id))
    taken = Member.by_email(new_email) is not None
    token = secrets.token_urlsafe(32)
    with database.atomic():
        end_links(member)
        outgoing = []
        if not taken:
            AccountToken.create(member=member, purpose="email", token_hash=token_hash(token),
                                new_email=new_email, expires_at=now() + EMAIL_LIFETIME)
            outgoing.append(mail.queue("email_confirm", new_email,
                                       f"【マイページ】メールアドレス変更のご確認（{current_app.config['INSURER_NAME']}）",
                                       "email_confirm", url=confirm_url(token)))
        outgoing.append(_notice(member.email, "メールアドレス変更のお申し出を受け付けました", "email_notice",
                                new_email_masked=mask_email(new_email)))
    mail.dispatch(outgoing)
    return "sent"


def email_change_for(member: Member, token: str) -> AccountToken | None:
    """The live mail-change link `token` when it is this member's own; else None."""
    row = AccountToken.live("email", token)
    return row if row is not None and row.member_id == member.id else None


def confirm_email_change(member: Member, token: str, client: Client) -> Member | None:
    """Move the signed-in member to the link's address; every other link and session ends."""
    row = email_change_for(member, token)
    if row is None:
        return None
    from peewee import IntegrityError

    try:
        with database.atomic():
            if not row.claim():
                return None
            old = member.email
            Member.update(email=row.new_email, session_version=Member.session_version + 1).where(
                Member.id == member.id).execute()
            revoke_devices(member)
            end_links(member)
            record(member, "email_changed", client)
            outgoing = [_notice(old, "メールアドレスが変更されました", "email_notice",
                                new_email_masked=mask_email(row.new_email))]
    except IntegrityError:
        return None
    mail.dispatch(outgoing)
    return Member.get_by_id(member.id)


def mask_email(address: str) -> str:
    """t***@example.jp: enough for its owner to recognise, little for anyone else."""
    local, _, domain = address.partition("@")
    return (local[:1] + "***@" + domain) if domain else "***"
