"""Issue 18's last review: what an attacker who did not write the fixes found.

Each test failed on main before its fix (the commit says so); docs/SECURITY.md §6
lists each finding with its severity, and what was checked and found sound.
"""
from __future__ import annotations

import pytest

from demo_people import PERSON


def text(r) -> str:
    return r.get_data(as_text=True)


# ------------------------------------- R1. next= with a line break: a 500 after login

@pytest.mark.parametrize("htmx", [False, True])
def test_a_login_link_with_a_line_break_in_next_still_signs_in(actions, client, htmx):
    """A crafted link /mypage/login?next=/mypage/%0d%0a… made the sign-in end in a 500
    (the header refused the newline) after the member had typed password and code."""
    actions.register(trust=True)
    actions.post("/mypage/logout")
    client.get("/mypage/login", query_string={"next": "/mypage/\r\nSet-Cookie: x=1"})
    response = actions.login(htmx=htmx)
    assert response.status_code in (200, 303), text(response)
    target = response.headers.get("HX-Redirect") or response.headers.get("Location")
    assert target == "/mypage/"
    assert client.get("/mypage/").status_code == 200


def test_a_staff_login_with_a_line_break_in_next_goes_to_the_console(app, actions, client):
    from clickar.staff.accounts import create_staff

    with app.app_context():
        create_staff("staff@example.jp", "staff-password-1", "marketing")
    response = actions.post("/staff/login", {"email": "staff@example.jp", "password": "staff-password-1",
                                             "next": "/staff/\r\nX-Evil: 1"}, htmx=True)
    assert response.status_code == 200, text(response)
    assert response.headers["HX-Redirect"] == "/staff/campaigns/"


def test_a_next_path_with_other_characters_arrives_as_a_valid_header(actions, client):
    actions.register(trust=True)
    actions.post("/mypage/logout")
    client.get("/mypage/login", query_string={"next": "/mypage/お知らせ"})
    response = actions.login(htmx=True)
    assert response.headers["HX-Redirect"] == "/mypage/%E3%81%8A%E7%9F%A5%E3%82%89%E3%81%9B"
    assert response.headers["HX-Redirect"].isascii()


# --------------------- R2. a leaked 本登録 link: the step-5 password could be guessed without end

def test_a_leaked_verification_link_gives_only_a_few_password_guesses(actions, client, app):
    """Whoever holds a 本登録 link (a forwarded mail, a shared PC's history, a proxy log) but
    not the step-5 password could try passwords for 24 hours with no limit, and the right
    one signs them in as the new member. Now a 仮登録 takes a few tries a day, then refuses."""
    from clickar.auth.limits import RULES
    from clickar.models import Member

    link = actions.register_until_sent()
    thief = app.test_client()
    thief_actions = type(actions)(thief, actions.mailbox)
    allowed = int(RULES.get("verify-password", "10 per day").split()[0])
    for n in range(allowed):
        response = thief_actions.verify(link, password=f"Guess{n:04d}x")
        assert response.status_code == 422, text(response)
    response = thief_actions.verify(link)  # the right password, one guess too many
    assert response.status_code == 429
    assert "しばらく時間をおいて" in text(response)
    with app.app_context():
        assert Member.by_email(PERSON["email"]) is None
    # the owner still gets in: a new-password link goes to the registered address only
    forgot = actions.post(link + "/forgot")
    assert forgot.status_code == 200


# ----------------- R3. anonymous posts made the server hash passwords (argon2) without limit

def test_one_client_cannot_make_the_server_hash_passwords_without_bound(actions, client):
    """お客さま情報の入力 hashes the typed password on every post (追加/削除 of a row too), with
    no limit: a script posting from one address kept every core busy with argon2 (64 MiB,
    ~0.1 s each). The login has a per-client limit; registration now has one too."""
    from clickar.auth.limits import RULES

    actions.agree_to_terms()
    allowed = int(RULES.get("register-client", "200 per 15 minutes").split()[0])
    data = {**PERSON, "action": "add"}
    statuses = set()
    for n in range(allowed + 1):
        data["password"] = data["password_confirm"] = f"Pass{n:05d}x"
        statuses.add(actions.post("/mypage/register/info", data).status_code)
    assert 429 in statuses


# ----------------- R4. a key rotation killed every one-click unsubscribe link already mailed

def test_unsubscribe_links_in_mails_already_sent_work_during_a_key_rotation(app, actions, monkeypatch):
    """The 配信停止 link (RFC 8058 one-click, and the page) was signed with the newest key only:
    from the first step of the rotation (docs/SECURITY.md §5) every 更新のご案内 already in
    a mailbox answered このURLは無効です, and the mailbox provider's one-click POST failed."""
    from clickar import create_app
    from clickar.models import Member, ReminderOptOut
    from clickar.reminders import links

    actions.register()
    with app.app_context():
        member_id = Member.by_email(PERSON["email"]).id
        token = links.unsubscribe_token(member_id)  # in a mail sent before the rotation
    monkeypatch.setenv("CLICKAR_SECRET_KEY", f"{'n' * 48},{app.secret_key}")
    rotating = create_app({k: app.config[k] for k in ("DATABASE_URL", "SMTP_URL", "BASE_URL",
                                                      "RATELIMIT_KEY_PREFIX")}).test_client()
    page = rotating.get(f"/reminders/unsubscribe/{token}")
    assert page.status_code == 200, text(page)
    assert rotating.post(f"/reminders/unsubscribe/{token}").status_code == 200
    with app.app_context():
        assert ReminderOptOut.has(member_id)


# ------------- R6. production took any CLICKAR_SECRET_KEY, "changeme" included

PRODUCTION = {
    "CLICKAR_ENV": "production",
    "CLICKAR_DATABASE_URL": "postgresql://clickar@db:5432/clickar",
    "CLICKAR_BASE_URL": "https://mypage.example.jp",
    "CLICKAR_REDIS_URL": "redis://redis:6379/0",
}


@pytest.mark.parametrize("key", ["changeme", "clickar-secret", "k" * 31, "n" * 48 + ",old-pw"])
def test_production_refuses_a_guessable_secret_key(key):
    """The key seals the session cookie, and a member's session names only `id:version`:
    whoever guesses a short key (a word, a default from a tutorial) seals a cookie for any
    member id and is signed in as them, no password, no code. Each key of the list must be
    long enough to be random (32+ characters; README's command makes 64)."""
    from clickar.config import ConfigError, from_environ

    with pytest.raises(ConfigError, match="CLICKAR_SECRET_KEY"):
        from_environ({**PRODUCTION, "CLICKAR_SECRET_KEY": key})
    assert from_environ({**PRODUCTION, "CLICKAR_SECRET_KEY": "k" * 32})["SECRET_KEY"] == "k" * 32



# ------- R7. SQLite reuses a withdrawn member's id: their other browser became the next member

def test_a_withdrawn_members_other_browser_does_not_become_the_next_member(app, actions, mailbox):
    """A session names `id:session_version`. 退会 deletes the member row; SQLite (without
    AUTOINCREMENT) hands the same id to the next registrant, whose session version also
    started at 1, so a browser still signed in as the withdrawn member opened the new
    member's My Page. PostgreSQL never reuses ids; staging and development may run SQLite.
    Now a member's first session version is random."""
    from registration_actions import RegistrationActions

    from demo_people import HANAKO

    actions.register()
    phone = app.test_client()  # the same member, signed in on another browser
    on_phone = RegistrationActions(phone, mailbox)
    assert on_phone.login().status_code == 303
    assert on_phone.post("/mypage/login/otp", {"code": on_phone.otp_code()}).status_code == 303
    assert actions.post("/mypage/withdraw", {"password": PERSON["password"], "understood": "y"}).status_code == 303
    RegistrationActions(app.test_client(), mailbox).register(HANAKO)
    assert phone.get("/mypage/").status_code == 303  # to the login, not into Hanako's My Page
    assert HANAKO["email"] not in text(phone.get("/mypage/settings/email"))


# ------- R8. the shipped load balancer logged every path: live reset and 本登録 links

def test_the_load_balancer_logs_neither_paths_nor_addresses():
    """compose.yaml's nginx had no access_log of its own, so nginx wrote its default
    "combined" line for every request: the client address and the request line, whose path
    holds live tokens (パスワード再設定, 本登録 and its new-password link, which signs in by
    itself, mail change, 配信停止, the chat summary's query). The app logs URL rules
    without query strings for that reason; the load balancer now logs the request id,
    method, status and time only (the app's line has the rest)."""
    import re
    from pathlib import Path

    compose = (Path(__file__).resolve().parents[2] / "compose.yaml").read_text()
    nginx = compose.split("content: |", 1)[1]
    uses = re.findall(r"^\s*access_log\s+([^;]+);", nginx, re.M)
    assert uses and all(use.split()[0] == "off" or len(use.split()) > 1 for use in uses), \
        "an access_log without a format of ours is nginx's combined format"
    for use in uses:
        if use.split()[0] == "off":
            continue
        name = use.split()[1]
        fmt = re.search(r"log_format\s+" + re.escape(name) + r"\b([^;]+);", nginx, re.S)
        assert fmt, f"log_format {name} is not defined"
        for variable in ("request", "request_uri", "uri", "args", "query_string", "remote_addr",
                         "http_x_forwarded_for", "proxy_add_x_forwarded_for", "http_referer"):
            assert not re.search(r"\$\$" + variable + r"\b", fmt.group(1)), variable
