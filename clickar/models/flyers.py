"""Marketing's QR flyer console: staff accounts, campaigns, visits, the funnel.

Queries are methods named for the question they answer. Times are naive UTC
(`now()`); days are counted in Japan time (JST, UTC+9) because that is the
calendar the flyers are handed out by.
"""
from __future__ import annotations

import datetime as dt

from peewee import (BooleanField, CharField, DateField, DateTimeField, ForeignKeyField,
                    IntegerField, fn)

from .base import BaseModel, now, token_hash

__all__ = ["Staff", "StaffToken", "StaffAudit", "Campaign", "Visit", "FunnelEvent"]


# ------------------------------------------------------------------ staff

class Staff(BaseModel):
    """A person of the insurer's marketing team (not a member; own login)."""

    ROLES = ("marketing", "admin")

    email = CharField(max_length=254, unique=True)
    password_hash = CharField(max_length=255)
    role = CharField(max_length=20, default="marketing")
    created_at = DateTimeField(default=now)
    last_login_at = DateTimeField(null=True)
    session_version = IntegerField(default=1)  # raised at logout: every copy of an older cookie ends

    @classmethod
    def by_email(cls, email: str) -> "Staff | None":
        return cls.get_or_none(cls.email == email.strip().lower())

    @classmethod
    def everyone(cls):
        return cls.select().order_by(cls.role, cls.email)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class StaffToken(BaseModel):
    """A staff password-reset link (issue 19 item 23): only the hash is stored; single use, short life."""

    staff = ForeignKeyField(Staff, on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=now)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)

    @classmethod
    def live(cls, token: str) -> "StaffToken | None":
        """The unused, unexpired link for this token, or None."""
        return (cls.select()
                .where((cls.token_hash == token_hash(token or "")) & cls.used_at.is_null()
                       & (cls.expires_at > now()))
                .first())

    def claim(self) -> bool:
        """Mark it used; True only for the one caller that used it (double submits lose)."""
        return (StaffToken.update(used_at=now())
                .where((StaffToken.id == self.id) & StaffToken.used_at.is_null())
                .execute()) == 1

    @classmethod
    def end_all(cls, staff: "Staff") -> None:
        cls.update(used_at=now()).where((cls.staff == staff) & cls.used_at.is_null()).execute()


class StaffAudit(BaseModel):
    """Who did what to whose staff account, and when (password resets); shown to admins.

    The e-mail addresses are copied so that the record outlives a deleted account."""

    ACTIONS = {
        "reset_mailed": "再設定メールを送信（本人の申し込み）",
        "reset_sent_by_admin": "再設定メールを送信（管理者の操作）",
        "password_reset": "パスワードを再設定",
    }

    at = DateTimeField(default=now, index=True)
    action = CharField(max_length=32)
    actor_email = CharField(max_length=254)   # who: the admin, or the staff member themselves
    subject_email = CharField(max_length=254)  # for whom
    network = CharField(max_length=64, default="")

    @property
    def action_text(self) -> str:
        return self.ACTIONS.get(self.action, self.action)

    @classmethod
    def latest(cls, limit: int = 50):
        return cls.select().order_by(cls.at.desc(), cls.id.desc()).limit(limit)


# --------------------------------------------------------------- campaigns

class Campaign(BaseModel):
    """One flyer (batch): where its code leads and when the code works."""

    code = CharField(max_length=16, unique=True)  # the one indexed lookup of /r/CODE
    name = CharField(max_length=100)
    target = CharField(max_length=20)
    label = CharField(max_length=100, default="")  # group company / flyer batch
    agency_name = CharField(max_length=100, default="")
    agency_phone = CharField(max_length=20, default="")
    valid_from = DateField()
    valid_until = DateField(null=True)  # None: no end date
    created_by = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now)
    updated_at = DateTimeField(default=now)

    @classmethod
    def by_code(cls, code: str) -> "Campaign | None":
        return cls.get_or_none(cls.code == code)

    @classmethod
    def newest_first(cls):
        return cls.select().order_by(cls.created_at.desc(), cls.id.desc())

    @classmethod
    def help_chat_for(cls, label: str, today: dt.date) -> "Campaign | None":
        """A live AIチャット campaign of the same group / batch (for the flyer's small code)."""
        return (cls
                .select()
                .where((cls.target == "help")
                       & (cls.label == label)
                       & (cls.valid_from <= today)
                       & (cls.valid_until.is_null() | (cls.valid_until >= today)))
                .order_by(cls.created_at.desc())
                .first())

    def state(self, today: dt.date) -> str:
        """'live', 'not_yet' or 'expired' on a Japan-time date."""
        if today < self.valid_from:
            return "not_yet"
        if self.valid_until is not None and today > self.valid_until:
            return "expired"
        return "live"

    # -- results

    def scans(self):
        return (Visit
                .select()
                .where((Visit.campaign == self) & (Visit.is_bot == False)))  # noqa: E712

    def bot_visits(self):
        return (Visit
                .select()
                .where((Visit.campaign == self) & (Visit.is_bot == True)))  # noqa: E712

    def distinct_clients(self) -> int:
        return (self.scans()
                .select(fn.COUNT(Visit.client.distinct()))
                .scalar()) or 0

    def scan_times_since(self, since: dt.datetime) -> list[dt.datetime]:
        """Times (naive UTC) of human scans from `since` on, for daily buckets."""
        return [t for (t,) in (self.scans()
                               .select(Visit.created_at)
                               .where(Visit.created_at >= since)
                               .tuples())]

    def visits_for_export(self):
        return (Visit
                .select()
                .where(Visit.campaign == self)
                .order_by(Visit.created_at, Visit.id))

    def funnel_counts(self) -> dict[str, int]:
        """{'started': n, 'registered': n, 'renewed': n} (each person once)."""
        rows = (FunnelEvent
                .select(FunnelEvent.kind, fn.COUNT(FunnelEvent.id))
                .where(FunnelEvent.campaign == self)
                .group_by(FunnelEvent.kind)
                .tuples())
        counts = {kind: 0 for kind in FunnelEvent.KINDS}
        counts.update({kind: n for kind, n in rows})
        return counts

    def funnel_times_since(self, since: dt.datetime) -> list[tuple[str, dt.datetime]]:
        return list(FunnelEvent
                    .select(FunnelEvent.kind, FunnelEvent.created_at)
                    .where((FunnelEvent.campaign == self) & (FunnelEvent.created_at >= since))
                    .tuples())

    @classmethod
    def counts_by_campaign(cls) -> dict[int, dict[str, int]]:
        """{campaign id: {'scans', 'started', 'registered', 'renewed'}} for the list, two queries."""
        out: dict[int, dict[str, int]] = {}
        scans = (Visit
                 .select(Visit.campaign, fn.COUNT(Visit.id))
                 .where(Visit.is_bot == False)  # noqa: E712
                 .group_by(Visit.campaign)
                 .tuples())
        for campaign_id, n in scans:
            out.setdefault(campaign_id, {})["scans"] = n
        events = (FunnelEvent
                  .select(FunnelEvent.campaign, FunnelEvent.kind, fn.COUNT(FunnelEvent.id))
                  .where(FunnelEvent.campaign.is_null(False))
                  .group_by(FunnelEvent.campaign, FunnelEvent.kind)
                  .tuples())
        for campaign_id, kind, n in events:
            out.setdefault(campaign_id, {})[kind] = n
        return out


class Visit(BaseModel):
    """One opening of /r/CODE. No raw address: a keyed hash of its network prefix."""

    campaign = ForeignKeyField(Campaign, backref="visits", on_delete="CASCADE")
    created_at = DateTimeField(default=now)
    client = CharField(max_length=32)  # HMAC of the /24 (IPv4) or /48 (IPv6) prefix
    device = CharField(max_length=20)  # iPhone / Android / Windows / Mac / other
    browser = CharField(max_length=20)  # Safari / Chrome / LINE / …
    is_bot = BooleanField(default=False)
    scan_id = CharField(max_length=32, null=True, unique=True)  # the spool line's id: a scan is written once

    class Meta:
        indexes = ((("campaign", "created_at"), False),)


class FunnelEvent(BaseModel):
    """A step of the funnel after the scan; a repeat of the same step counts once."""

    KINDS = ("started", "registered", "renewed")

    campaign = ForeignKeyField(Campaign, null=True, backref="funnel", on_delete="SET NULL")
    kind = CharField(max_length=20)
    wizard_id = CharField(max_length=64, null=True)
    member_id = IntegerField(null=True)
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = (
            (("kind", "wizard_id"), True),
            (("kind", "member_id"), True),
            (("campaign", "kind"), False),
        )

    @classmethod
    def started_by_wizard(cls, wizard_id: str) -> "FunnelEvent | None":
        return cls.get_or_none((cls.kind == "started") & (cls.wizard_id == wizard_id))

    @classmethod
    def registered_member(cls, member_id: int) -> "FunnelEvent | None":
        return cls.get_or_none((cls.kind == "registered") & (cls.member_id == member_id))
