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


def client_network(address: str | None) -> str:
    """The one key for "the same client" in per-client limits and lockouts.

    IPv4: the address. IPv6: its /64, because one phone or home router is handed a
    whole /64 and can take a fresh address from it for every request (RFC 4941,
    RFC 8981); keying on the full address would give a script 2^64 buckets.
    An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is its IPv4 address.
    Give it request.remote_addr: the address CLICKAR_TRUSTED_PROXIES yields.
    """
    import ipaddress

    try:
        ip = ipaddress.ip_address((address or "").strip().split("%", 1)[0])
    except ValueError:
        return (address or "").strip() or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)
