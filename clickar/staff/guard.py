"""The staff guard: every page under it wants a signed-in staff member and is never cached or indexed."""
from __future__ import annotations

import functools

from flask import Blueprint, Response, abort, g, make_response, request, session, url_for

from ..web import hx_redirect
from . import accounts


def _staff_or_login(open_endpoints: frozenset[str] = frozenset()):
    """g.staff is the signed-in staff member; without one, the login page (None when allowed)."""
    g.staff = accounts.signed_in(session)
    if g.staff is None and request.endpoint not in open_endpoints:
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return hx_redirect(url_for("staff.login_form", next=target) if target
                           else url_for("staff.login_form"))
    return None


def _never_cached(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.vary.add("Cookie")
    return response


def guard(bp: Blueprint, open_endpoints: frozenset[str] = frozenset()) -> Blueprint:
    """Staff only on every route of `bp` (but `open_endpoints`); g.staff is the staff member."""
    bp.before_request(lambda: _staff_or_login(open_endpoints))
    bp.after_request(_never_cached)
    return bp


def staff_required(view):
    """guard() for one view of a blueprint that also serves members (e.g. /staff/reminders/)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        refused = _staff_or_login()
        return _never_cached(make_response(refused or view(*args, **kwargs)))
    return wrapper


def admin_required(view):
    """Role admin only (after guard()): others get 403."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not g.staff.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapper
