"""Issue 18 #11: per-client limits bucket IPv6 clients by /64 (one phone or router owns a /64)."""
from __future__ import annotations

import pytest

from clickar import proxy

from demo_people import PERSON


@pytest.mark.parametrize("address, network", [
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
    ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.7", "203.0.113.7"),
    ("fe80::1%eth0", "fe80::/64"),
    ("", "unknown"),
    (None, "unknown"),
])
def test_client_network(address, network):
    assert proxy.client_network(address) == network


def forgot(actions, address):
    return actions.post("/mypage/password/forgot", {"email": PERSON["email"]},
                        environ_base={"REMOTE_ADDR": address}).status_code


def test_new_ipv6_addresses_from_one_64_share_one_limit(actions):
    """On main each of the 2^64 addresses had a limit of its own: the 11th request went through."""
    assert [forgot(actions, f"2001:db8:1:2::{n:x}") for n in range(1, 11)] == [303] * 10
    assert forgot(actions, "2001:db8:1:2:ffff:ffff:ffff:ffff") == 429
    assert forgot(actions, "2001:db8:1:3::1") == 303  # the neighbouring /64 is someone else
    assert forgot(actions, "203.0.113.7") == 303
