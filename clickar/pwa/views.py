"""Manifest, service worker, offline page and /healthz."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, make_response, redirect, render_template, url_for

from ..db import database

bp = Blueprint("pwa", __name__)


@bp.get("/")
def root():
    return redirect(url_for("mypage.top"))


@bp.get("/manifest.webmanifest")
def manifest():
    insurer = current_app.config["INSURER_NAME"]
    body = {
        "name": f"{insurer} マイページ（Clickar）",
        "short_name": "マイページ",
        "lang": "ja",
        "start_url": "/mypage/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "theme_color": "#b8001f",
        "background_color": "#ffffff",
        "icons": [
            {"src": url_for("static", filename="icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": url_for("static", filename="icons/maskable-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "maskable"},
        ],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/sw.js")
def service_worker():
    response = make_response(render_template("pwa/sw.js", version=current_app.config.get("ASSET_VERSION", "1")))
    response.mimetype = "text/javascript"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
def offline():
    return render_template("pwa/offline.html")


@bp.get("/healthz")
def healthz():
    checks = {}
    try:
        database.execute_sql("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        checks["database"] = f"down: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if ok else "down", checks=checks), 200 if ok else 503
