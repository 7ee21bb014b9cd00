"""Manifest, service worker and offline page."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, make_response, redirect, render_template, url_for
from flask_login import AnonymousUserMixin

from ..assets import static_url
from ..help.engine import Contacts

# Cached by the service worker at install so the offline page has its look; hashed names.
PRECACHE = ("css/app.css", "js/app.js", "vendor/htmx.min.js", "icons/icon.svg")

bp = Blueprint("pwa", __name__)


@bp.get("/")
def root():
    return redirect(url_for("mypage.top"))


@bp.get("/manifest.webmanifest")
def manifest():
    insurer = current_app.config["INSURER_NAME"]
    body = {
        "id": "/mypage/",
        "name": f"{insurer} マイページ（Clickar）",
        "short_name": "Clickar",  # under the home-screen icon: "マイページ" was lost among other apps' マイページ
        "description": "団体扱自動車保険WEB更新サービスClickar（クリックカー）のマイページ",
        "lang": "ja",
        "dir": "ltr",
        "start_url": "/mypage/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "theme_color": "#b8001f",       # --brand in static/css/app.css
        "background_color": "#ffffff",  # --bg
        "icons": [
            {"src": static_url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static_url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": static_url("icons/maskable-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
        ],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/sw.js")
def service_worker():
    """Rendered with ASSET_VERSION: every deploy that changes a static file changes these bytes."""
    body = render_template("pwa/sw.js", version=current_app.config["ASSET_VERSION"],
                           precache=[static_url(name) for name in PRECACHE])
    response = make_response(body)
    response.mimetype = "text/javascript"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
def offline():
    """The service worker's fallback page. It is cached, so it is rendered as for nobody:
    no CSRF token, no logout form, no agency from the member's contracts."""
    contacts = Contacts.coerce({}, current_app.config["INSURER_NAME"])
    response = make_response(render_template("pwa/offline.html", current_user=AnonymousUserMixin(),
                                             csrf_token=lambda: "", offline_contacts=contacts))
    response.headers["Cache-Control"] = "no-cache"
    return response
