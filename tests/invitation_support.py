"""The invitation letters' test helpers: a downloaded letter's token, its form posted, a staff client."""
from __future__ import annotations

import re

from clickar.invitations import core
from demo_people import born
from renewal_support import in_app

__all__ = ["ANSWER", "TARO", "in_app", "letter_token", "post_letter", "staff_client"]

TARO = "SJ24000101"
ANSWER = {**born("1970-04-01"), "email": "taro@example.jp", "password": "Clickar2026",
          "password_confirm": "Clickar2026", "agree": "y"}


def letter_token(app, numbers=(TARO,)) -> str:
    """A batch for these contracts, downloaded: the one token printed on the first letter."""
    def make():
        contracts, skipped = core.choose("", numbers)
        batch = core.create_batch("admin@example.jp", "test", contracts, skipped)
        return [token for _, token in core.issue(batch, "admin@example.jp", "PDF")]
    return in_app(app, make)[0]


def post_letter(client, path, **changes):
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(path, data={**ANSWER, **changes, "csrf_token": token})


def staff_client(app, role):
    from clickar.staff.accounts import create_staff

    email = f"{role}@example.jp"
    in_app(app, lambda: create_staff(email, "Staffpass2026", role))
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert client.post("/staff/login", data={"email": email, "password": "Staffpass2026",
                                             "csrf_token": token}).status_code in (302, 303)
    return client, token
