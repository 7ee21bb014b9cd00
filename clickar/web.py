"""Response helpers named by their effect (django-htmx's http.py habit).

A page template extends base.html and includes its partial; for an htmx
request only the partial is rendered. Every response that differs by
HX-Request says so with `Vary: HX-Request`.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import make_response, redirect, render_template, request, url_for
from werkzeug.urls import iri_to_uri

from . import flyer_words, jp, matching
from .auth import passwords


def is_htmx() -> bool:
    return bool(getattr(request, "htmx", False)) and not request.htmx.boosted


def render(page: str, partial: str, status: int = 200, push_url: str | None = None, **ctx):
    """Full page, or only the partial when htmx asks; always Vary: HX-Request."""
    template = partial if is_htmx() else page
    response = make_response(render_template(template, **ctx), status)
    response.vary.add("HX-Request")
    if is_htmx() and push_url:
        response.headers["HX-Push-Url"] = push_url
    return response


def local_path(target: str | None, inside: str = "/") -> str | None:
    """`target` when it is a path of this site under `inside` (where to go after a login), else None:
    no scheme, no host, no `//` or backslash that a browser would read as another site, no control
    character (a line break cannot go into the Location header: a 500). Returned as ASCII
    (percent-encoded), as a response header must be."""
    if target and not any(ord(ch) < 0x20 or ord(ch) == 0x7f for ch in target):
        parts = urlsplit(target)
        if (not parts.scheme and not parts.netloc and target.startswith(inside)
                and not target.startswith("//") and "\\" not in target):
            return iri_to_uri(target)
    return None


def see_other(endpoint: str, **values):
    """Redirect after POST (303) to an endpoint or a path; htmx follows it and swaps the partial."""
    location = endpoint if endpoint.startswith("/") else url_for(endpoint, **values)
    response = redirect(location, code=303)
    response.vary.add("HX-Request")
    return response


def hx_redirect(location: str, status: int = 200):
    """Leave the page entirely: HX-Redirect for htmx, a 303 otherwise."""
    if is_htmx():
        response = make_response("", status)
        response.headers["HX-Redirect"] = location
    else:
        response = redirect(location, code=303)
    response.vary.add("HX-Request")
    return response


def _strip_nul(values):
    from werkzeug.datastructures import ImmutableMultiDict

    return ImmutableMultiDict([(k.replace("\x00", ""), v.replace("\x00", "")) for k, v in values.items(multi=True)])


def drop_nul_characters():
    """NUL can be typed into no field and no database stores it: drop it from input."""
    if any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        request.args = _strip_nul(request.args)
    if request.method == "POST" and any("\x00" in k or "\x00" in v for k, v in request.form.items(multi=True)):
        request.form = _strip_nul(request.form)


def init_app(app) -> None:
    app.before_request(drop_nul_characters)
    app.add_template_filter(jp.jdate)
    app.add_template_filter(jp.jdatetime)
    app.add_template_filter(matching.era_date_text, "wareki")  # 1970-04-01 → 昭和45年4月1日
    app.jinja_env.globals["flyer"] = flyer_words  # the printed flyer's words, once
    app.jinja_env.globals["password_rule"] = passwords  # a member's password rule, once: .HINT, .TERMS
