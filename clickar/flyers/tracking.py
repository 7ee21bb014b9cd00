"""What a flyer brings: visits of /r/CODE and the funnel after them.

Funnel: scan (Visit) → registration started → registered → renewal completed.
The three later steps are FunnelEvent rows; unique (kind, wizard_id) and
(kind, member_id) indexes make a repeated step count once. A failure to
record never stops the customer's own flow: it is logged and forgotten.

Nothing here touches `request`; views hand in the address and user agent.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
import logging
import re
import time

from peewee import DatabaseError, IntegrityError

from ..db import database
from ..models import Campaign, FunnelEvent, PendingRegistration, Visit, now

log = logging.getLogger(__name__)

# ------------------------------------------------------------ client address


def anonymise_address(address: str | None, secret: str | bytes) -> str:
    """Keyed hash of the network, never the address: IPv4 /24, IPv6 /48.

    The same network gives the same value (so repeat scans can be told
    apart from new people roughly), but the value cannot be turned back
    into an address without the secret key, and even then not into a host.
    """
    address = (address or "").strip()
    parts = address.split(".")
    if len(parts) == 4 and all(p.isascii() and p.isdigit() and len(p) <= 3 and int(p) <= 255 and (p == "0" or p[0] != "0")
                               for p in parts):  # dotted IPv4, the usual case: no parsing object
        network = f"{parts[0]}.{parts[1]}.{parts[2]}.0/24"
        return hmac.new(_address_key(secret), network.encode(), hashlib.sha256).hexdigest()[:32]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        network = "unknown"
    else:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        prefix = 24 if ip.version == 4 else 48
        network = str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
    return hmac.new(_address_key(secret), network.encode(), hashlib.sha256).hexdigest()[:32]


@functools.lru_cache(maxsize=8)
def _address_key(secret: str | bytes) -> bytes:
    if isinstance(secret, str):
        secret = secret.encode()
    return hmac.new(secret, b"clickar-visit-address-v1", hashlib.sha256).digest()


# --------------------------------------------------------------- user agent

BOT_MARKERS = (
    "bot", "crawl", "spider", "slurp", "facebookexternalhit", "facebookcatalog", "embedly",
    "preview", "monitor", "headlesschrome", "phantomjs", "curl/", "wget/", "python-requests",
    "python-urllib", "httpx", "go-http-client", "okhttp", "java/", "libwww", "scrapy",
    "lighthouse", "pagespeed", "bingpreview", "mediapartners", "feedfetcher", "apis-google",
)
DEVICES = ("iPhone", "Android", "Windows", "Mac", "other")
BROWSERS = ("LINE", "Edge", "Samsung", "Firefox", "Chrome", "Safari", "other")


def is_bot(user_agent: str | None) -> bool:
    """A known crawler, link previewer, script, or no user agent at all."""
    ua = (user_agent or "").strip().lower()
    if not ua:
        return True
    return any(marker in ua for marker in BOT_MARKERS)


def device_family(user_agent: str | None) -> str:
    ua = user_agent or ""
    if re.search(r"iPhone|iPod|iPad", ua):
        return "iPhone"
    if "Android" in ua:
        return "Android"
    if "Windows" in ua:
        return "Windows"
    if "Macintosh" in ua or "Mac OS X" in ua:
        return "Mac"
    return "other"


def browser_family(user_agent: str | None) -> str:
    """The browser as people name it; in-app LINE first (many flyers are shared there)."""
    ua = user_agent or ""
    if re.search(r"\bLine/", ua):
        return "LINE"
    if re.search(r"\bEdg(e|A|iOS)?/", ua):
        return "Edge"
    if "SamsungBrowser/" in ua:
        return "Samsung"
    if re.search(r"\b(Firefox|FxiOS)/", ua):
        return "Firefox"
    if re.search(r"\b(Chrome|CriOS|Chromium)/", ua):
        return "Chrome"
    if "Safari/" in ua or ("AppleWebKit/" in ua and "Mobile/" in ua):
        return "Safari"
    return "other"


def user_agent_summary(user_agent: str | None) -> dict:
    return {"device": device_family(user_agent), "browser": browser_family(user_agent),
            "is_bot": is_bot(user_agent)}


# ------------------------------------------------------------------ visits

def record_visit(campaign: Campaign, address: str | None, user_agent: str | None,
                 secret: str | bytes) -> Visit:
    """One insert: the scan, with what we may keep about who scanned."""
    return Visit.create(
        campaign=campaign,
        client=anonymise_address(address, secret),
        **user_agent_summary(user_agent),
    )


# A campaign this process has seen live: its id, target and dates, by code, for LIVE_TTL_S.
# A scan of it goes straight to the spool with no lookup; the dates are checked on every scan
# (a campaign that ends at midnight ends then), and an edit made here is forgotten at once
# (forget); one made in another process applies here within LIVE_TTL_S.
_live: dict[str, tuple[int, str, dt.date, dt.date | None, float]] = {}
_LIVE_MAX = 1000
LIVE_TTL_S = 5.0


def remember_live(campaign: Campaign) -> None:
    if len(_live) >= _LIVE_MAX:
        _live.clear()
    _live[campaign.code] = (campaign.id, campaign.target, campaign.valid_from, campaign.valid_until,
                            time.monotonic())


def forget(code: str | None) -> None:
    _live.pop(code, None)


def live_campaign(code: str, today: dt.date) -> tuple[int, str] | None:
    """(id, target) of a campaign seen live here in the last LIVE_TTL_S and live today."""
    known = _live.get(code)
    if known is None:
        return None
    campaign_id, target, valid_from, valid_until, seen = known
    if time.monotonic() - seen > LIVE_TTL_S or today < valid_from or (valid_until and today > valid_until):
        _live.pop(code, None)
        return None
    return campaign_id, target


_spool_complained = -1e9


def spool_scan(app, campaign_id: int, code: str, address: str | None, user_agent: str | None,
               client_key: str) -> str:
    """The scan's visit, appended to this process's spool before the 302 (flyers/spool.py moves
    it into `visit`, counting the client's share of the campaign: limits visit-client).
    Returns the scan's id."""
    import uuid

    from .spool import for_app, store

    secret = app.secret_key
    record = {"id": uuid.uuid4().hex, "c": campaign_id, "at": now().isoformat(),
              "client": anonymise_address(address, secret), "k": f"{code}:{_limit_key(client_key, secret)}",
              **_ua_fields(user_agent)}
    try:
        return for_app(app).write(record)
    except OSError:  # the spool folder unwritable, the disk full: the scan goes straight in, as before
        global _spool_complained
        if time.monotonic() - _spool_complained > 60:  # once a minute, not a traceback per scan
            _spool_complained = time.monotonic()
            log.exception("visit spool: not writable, scans are written in the request")
        store([record])  # the same id: should the line have reached the file after all, it counts once
        return record["id"]


def _ua_fields(user_agent: str | None) -> dict:
    ua = user_agent_summary(user_agent)
    return {"device": ua["device"], "browser": ua["browser"], "bot": ua["is_bot"]}


def _limit_key(client_key: str, secret: str | bytes) -> str:
    """The client of the per-client share, keyed (no address in the spool file or in Redis)."""
    return hmac.new(_address_key(secret), client_key.encode(), hashlib.sha256).hexdigest()[:24]


def flush_scans(app) -> int:
    """Move this process's spooled scans (and any abandoned spool file) into `visit` now.
    The staff console and the load test's audit call it; rows written."""
    from .spool import for_app

    with app.app_context():
        return for_app(app).move()


# ------------------------------------------------------------------ funnel

def _insert_once(**fields) -> bool:
    """Insert a FunnelEvent; False when this step was already counted (or failed)."""
    try:
        with database.atomic():
            FunnelEvent.create(**fields)
        return True
    except IntegrityError:
        return False
    except DatabaseError:  # never break the customer's flow for a statistic
        log.exception("funnel event not recorded: %s", fields.get("kind"))
        return False


def record_registration_started(campaign_code: str | None, wizard_id: str) -> bool:
    """会員規定に同意して登録する: a registration started (once per wizard)."""
    if not wizard_id:
        return False
    campaign = Campaign.by_code(campaign_code) if isinstance(campaign_code, str) and campaign_code else None
    return _insert_once(kind="started", campaign=campaign, wizard_id=wizard_id)


def registration_wizard_id(member_id: int) -> str | None:
    """The wizard that made this member (its PendingRegistration row), if any."""
    row = (PendingRegistration
           .select(PendingRegistration.wizard_id)
           .where(PendingRegistration.member == member_id)
           .first())
    return row.wizard_id if row else None


def record_registered(wizard_id: str | None, member_id: int) -> bool:
    """本登録 done: credited to the campaign that started this wizard.

    The mail's link may be opened in another browser than the flyer was
    scanned with, so the campaign comes from the 'started' row, not the session.
    """
    started = FunnelEvent.started_by_wizard(wizard_id) if wizard_id else None
    return _insert_once(kind="registered", campaign=started.campaign_id if started else None,
                        wizard_id=wizard_id, member_id=member_id)


def record_renewal_completed(member_id: int) -> bool:
    """更新のお手続き done: credited to the campaign the member registered through."""
    registered = FunnelEvent.registered_member(member_id)
    return _insert_once(kind="renewed", campaign=registered.campaign_id if registered else None,
                        member_id=member_id)
