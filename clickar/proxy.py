"""Behind a load balancer: trust exactly CLICKAR_TRUSTED_PROXIES hops of X-Forwarded-*.

With 0 (the default) nothing from those headers is believed: request.remote_addr
is the peer that connected. Behind one proxy (compose.yaml's nginx) it is 1, so
the rate limits, the login history and the flyer statistics see each phone's
address rather than the load balancer's, and https links know they are https.
A client cannot add an address of its own choosing: only the last N entries,
the ones our proxies appended, are read.
"""
from __future__ import annotations

from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app) -> None:
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
