"""Staff accounts for the QR console: separate from members, own login, roles.

The staff login lives in the encrypted session under STAFF_KEY, next to (and
independent of) Flask-Login's member login. `flask --app wsgi staff create
EMAIL --role marketing|admin` makes an account; the password is typed twice
or read from CLICKAR_STAFF_PASSWORD for scripts.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import time
from typing import MutableMapping

import click
from peewee import IntegrityError

from .. import jp
from ..auth import limits, lockout
from ..auth.passwords import hash_password, verify_password
from ..models import Staff, now

STAFF_KEY = "staff"
PASSWORD_ENV = "CLICKAR_STAFF_PASSWORD"
MIN_PASSWORD = 12
MAX_PASSWORD = 128
SESSION_LIFETIME = dt.timedelta(hours=12)  # absolute: counted from sign-in, never renewed by use

log = logging.getLogger(__name__)


class StaffError(ValueError):
    """An account that cannot be made; .message says why (English, for the command line)."""


def password_problem(password: str) -> str | None:
    if len(password or "") < MIN_PASSWORD:
        return f"the password needs at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"the password is longer than {MAX_PASSWORD} characters"
    return None


def create_staff(email: str, password: str, role: str = "marketing") -> Staff:
    email = (email or "").strip().lower()
    if not jp.is_mail_address(email):
        raise StaffError(f"{email!r} is not an e-mail address")
    if role not in Staff.ROLES:
        raise StaffError(f"role must be one of {', '.join(Staff.ROLES)}")
    if problem := password_problem(password):
        raise StaffError(problem)
    try:
        return Staff.create(email=email, password_hash=hash_password(password), role=role)
    except IntegrityError:
        raise StaffError(f"a staff account for {email} already exists") from None


def authenticate(email: str, password: str, network: str) -> Staff | None:
    """The staff member for these credentials, or None (same work either way).

    Rate-limited per account and network (over it, limits.Limited: the app
    answers 429), and locked per account and network after
    lockout.LOCK_AFTER wrong passwords, exactly like members: a locked
    network answers like a wrong password and counts nothing further.
    """
    address = (email or "").strip().lower()
    limits.hit("login-account", f"staff:{address}:{network}")
    staff = Staff.by_email(address)
    right = verify_password(staff.password_hash if staff else None, password or "")
    if staff is None:
        return None
    account = f"staff:{staff.id}"
    if lockout.is_locked(account, network):
        return None
    if not right:
        if lockout.count_failure(account, network):
            log.warning("staff login locked", extra={"staff_id": staff.id})
        return None
    lockout.clear(account, network)
    staff.last_login_at = now()
    staff.save()
    return staff


# ------------------------------------------------------------------ session

def sign_in(store: MutableMapping, staff: Staff) -> None:
    """The session names the staff member, their session version and when they signed in.

    It lasts SESSION_LIFETIME from sign-in however busy it is (no sliding renewal).
    """
    store[STAFF_KEY] = {"id": staff.id, "v": staff.session_version, "h": staff.password_hash[-16:],
                        "at": int(time.time())}
    if hasattr(store, "permanent"):
        store.permanent = True


def sign_out(store: MutableMapping) -> None:
    """End this session and every copy of it: the staff member's session version goes up."""
    value = store.pop(STAFF_KEY, None)
    if isinstance(value, dict) and isinstance(value.get("id"), int):
        Staff.update(session_version=Staff.session_version + 1).where(Staff.id == value["id"]).execute()


def signed_in(store: MutableMapping) -> Staff | None:
    """The staff member of this session; logout, a changed password or SESSION_LIFETIME ends it."""
    value = store.get(STAFF_KEY)
    if not isinstance(value, dict) or not isinstance(value.get("id"), int):
        return None
    started = value.get("at")
    if not isinstance(started, int) or time.time() - started > SESSION_LIFETIME.total_seconds():
        return None
    staff = Staff.get_or_none(Staff.id == value["id"])
    if (staff is None or staff.password_hash[-16:] != value.get("h")
            or staff.session_version != value.get("v")):
        return None
    return staff


# -------------------------------------------------------------------- CLI

staff_cli = click.Group("staff", help="Staff accounts for the QR flyer console (/staff/).")


@staff_cli.command("create", help=f"Create a staff account. The password is asked twice, "
                                  f"or read from {PASSWORD_ENV}.")
@click.argument("email")
@click.option("--role", type=click.Choice(Staff.ROLES), default="marketing", show_default=True)
def create_command(email, role):
    password = os.environ.get(PASSWORD_ENV)
    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    staff = _run(create_staff, email, password, role)
    click.echo(f"created {staff.role} {staff.email}")


@staff_cli.command("list", help="List staff accounts.")
def list_command():
    for staff in Staff.everyone():
        last = staff.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if staff.last_login_at else "never"
        state = "\tdisabled" if staff.password_hash.startswith(DISABLED_PREFIX) else ""
        click.echo(f"{staff.email}\t{staff.role}\tlast login: {last}{state}")


DISABLED_PREFIX = "!disabled"   # no argon2 hash starts so: no password matches it


def disable_staff(email: str) -> Staff:
    """A leaver: no password opens the account any more and every session of it ends now."""
    staff = Staff.by_email(email or "")
    if staff is None:
        raise StaffError(f"no staff account for {email}")
    Staff.update(password_hash=f"{DISABLED_PREFIX}:{now().isoformat()}",
                 session_version=Staff.session_version + 1).where(Staff.id == staff.id).execute()
    log.warning("staff account disabled", extra={"staff_id": staff.id})
    return Staff.get_by_id(staff.id)


def change_role(email: str, role: str) -> Staff:
    """Another role; the staff member's sessions end so that the new role applies at once."""
    staff = Staff.by_email(email or "")
    if staff is None:
        raise StaffError(f"no staff account for {email}")
    if role not in Staff.ROLES:
        raise StaffError(f"role must be one of {', '.join(Staff.ROLES)}")
    Staff.update(role=role, session_version=Staff.session_version + 1).where(Staff.id == staff.id).execute()
    log.warning("staff role changed", extra={"staff_id": staff.id, "role": role})
    return Staff.get_by_id(staff.id)


def _run(change, *args) -> Staff:
    try:
        return change(*args)
    except StaffError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(1)


@staff_cli.command("disable", help="Disable a staff account (a leaver): its password stops working and "
                                   "its sessions end. `staff create` cannot reuse the address.")
@click.argument("email")
def disable_command(email):
    staff = _run(disable_staff, email)
    click.echo(f"disabled {staff.email}")


@staff_cli.command("role", help="Change a staff account's role; its sessions end.")
@click.argument("email")
@click.argument("role", type=click.Choice(Staff.ROLES))
def role_command(email, role):
    staff = _run(change_role, email, role)
    click.echo(f"{staff.email} is now {staff.role}")
