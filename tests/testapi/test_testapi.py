"""The test data API: only in testing/staging with a token, and it does what testers need."""
from __future__ import annotations

import pytest

from clickar import testapi
from clickar.models import (
    Contract,
    Member,
    MemberContract,
    OneTimePassword,
    OutboxMail,
    PendingRegistration,
    TrustedDevice,
    VerificationToken,
)

from app_support import make_app
from testapi_support import TOKEN

CONTRACT = {
    "policy_number": "E2EAPI00010",
    "name": "山田 太郎", "name_kana": "ヤマダ タロウ", "birth_date": "1970-04-01",
    "postal_code": "160-0023", "address": "東京都新宿区西新宿二丁目8番1号",
    "phone": "03-1234-5678", "car_name": "フィット",
}
PERSON = {
    "policy_numbers-0": "E2EAPI00010", "name": "山田 太郎", "name_kana": "ヤマダ タロウ",
    "birth_year": "1970", "birth_month": "4", "birth_day": "1", "postal_code": "160-0023", "address": "東京都新宿区西新宿2-8-1",
    "phone": "03-1234-5678", "email": "e2e-api-1@example.jp",
    "password": "Clickar2026", "password_confirm": "Clickar2026",
}
BEARER = {"Authorization": f"Bearer {TOKEN}"}
ROUTES = [("post", "/_test/api/contracts"), ("get", "/_test/api/mail?to=a@example.jp"),
          ("post", "/_test/api/cleanup")]


# ------------------------------------------------------------ where it exists

@pytest.mark.parametrize("env_name", ["production", "development"])
def test_the_test_api_does_not_exist_in_production_or_development(database_url, env_name):
    app = make_app(database_url, ENV_NAME=env_name, TEST_API_TOKEN=TOKEN)
    client = app.test_client()
    for method, path in ROUTES:
        response = getattr(client, method)(path, json=CONTRACT, headers=BEARER)
        assert response.status_code == 404, (env_name, path)
    assert not any(rule.rule.startswith("/_test") for rule in app.url_map.iter_rules())


@pytest.mark.parametrize("env_name,token,enabled", [
    ("testing", TOKEN, True), ("staging", TOKEN, True),
    ("production", TOKEN, False), ("development", TOKEN, False),
    ("testing", None, False), ("staging", "", False), ("staging", "short", False),
])
def test_the_test_api_is_registered_only_in_testing_or_staging_with_a_token(env_name, token, enabled):
    assert testapi.enabled({"ENV_NAME": env_name, "TEST_API_TOKEN": token}) is enabled


def test_without_a_token_setting_the_routes_are_404_even_in_testing(database_url):
    client = make_app(database_url).test_client()  # CLICKAR_ENV=testing, no token
    for method, path in ROUTES:
        assert getattr(client, method)(path, json=CONTRACT, headers=BEARER).status_code == 404


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer wrong-token-wrong-token"}, {"Authorization": f"Basic {TOKEN}"},
    {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": TOKEN},
], ids=["none", "wrong", "basic", "longer", "no-scheme"])
def test_a_wrong_or_missing_token_looks_like_no_route_at_all(client, headers):
    response = client.post("/_test/api/contracts", json=CONTRACT, headers=headers)
    assert response.status_code == 404
    assert Contract.by_policy_number(CONTRACT["policy_number"]) is None


# ------------------------------------------------------------ what it does

def test_a_throw_away_contract_is_created_without_a_csrf_token_and_can_be_registered(api, actions):
    response = api.post("/contracts", CONTRACT)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()["contract"]
    assert body["policy_number"] == "E2EAPI00010"
    assert body["car_name"] == "フィット"
    assert body["insurance_end"] > body["insurance_start"]
    assert Contract.by_policy_number("E2EAPI00010").match_form  # computed like `contracts import`

    actions.register(PERSON)  # the identity check accepts it, as for an imported contract
    member = Member.by_email(PERSON["email"])
    assert [c.policy_number for c in member.contracts()] == ["E2EAPI00010"]


@pytest.mark.parametrize("change,message", [
    ({"birth_date": "1970/04/01"}, "birth_date: not a date (YYYY-MM-DD)"),
    ({"name": ""}, "name: required"),
    ({"policy_number": "E2E-1"}, "policy_number: 6-20 half-width letters and digits"),
    ({"colour": "red"}, "colour: unknown column"),
])
def test_a_bad_contract_is_refused_with_the_import_messages(api, change, message):
    response = api.post("/contracts", {**CONTRACT, **change})
    assert response.status_code == 400
    assert message in response.get_json()["errors"]


def test_a_contract_that_exists_is_never_overwritten(api):
    response = api.post("/contracts", {**CONTRACT, "policy_number": "SJ24000101", "car_name": "盗難車"})
    assert response.status_code == 409
    assert Contract.by_policy_number("SJ24000101").car_name == "プリウス"


def test_mail_to_an_address_can_be_read_without_an_smtp_sink(api, actions):
    api.post("/contracts", CONTRACT)
    actions.register_until_sent(PERSON)
    response = api.get("/mail", to="E2E-API-1@example.jp ")
    mails = response.get_json()["mails"]
    assert [m["subject"] for m in mails] == ["【マイページ】仮登録受付のご連絡・本登録のお願い（損保ジャパン）"]
    assert "http://localhost/mypage/register/verify/" in mails[0]["body"]
    assert mails[0]["created_at"]
    assert response.headers["Cache-Control"] == "no-store"
    assert api.get("/mail", to="nobody@example.jp").get_json() == {"mails": []}


def test_cleanup_deletes_everything_a_run_created_and_nothing_else(api, actions, client):
    api.post("/contracts", CONTRACT)
    api.post("/contracts", {**CONTRACT, "policy_number": "E2EAPI00011"})
    actions.register(PERSON, trust=True)
    client.post("/mypage/logout", data={"csrf_token": actions.csrf("/mypage/")})
    client.delete_cookie("__Host-clickar_device")
    actions.login(PERSON["email"], PERSON["password"])  # a one-time password row and its mail
    other = {**PERSON, "policy_numbers-0": "E2EAPI00011", "email": "e2e-api-2@example.jp"}
    second_browser = type(actions)(client.application.test_client(), actions.mailbox)
    second_browser.register_until_sent(other)  # a 仮登録 only

    response = api.post("/cleanup", {"policy_prefix": "E2EAPI",
                                     "emails": [PERSON["email"], "e2e-api-2@example.jp"]})
    assert response.status_code == 200
    deleted = response.get_json()["deleted"]
    assert deleted["contracts"] == 2 and deleted["members"] == 1 and deleted["registrations"] == 2
    assert deleted["devices"] == 1 and deleted["one_time_passwords"] == 1 and deleted["mails"] >= 4

    assert not Contract.select().where(Contract.policy_number.startswith("E2EAPI")).exists()
    for model in (Member, MemberContract, PendingRegistration, VerificationToken, TrustedDevice,
                  OneTimePassword, OutboxMail):
        assert model.select().count() == 0, model.__name__
    assert Contract.select().count() == 3, "the demo contracts stay"


@pytest.mark.parametrize("prefix", ["", "E2E", "SJ'--", None])
def test_cleanup_refuses_a_prefix_that_could_match_too_much(api, prefix):
    response = api.post("/cleanup", {"policy_prefix": prefix, "emails": []})
    assert response.status_code == 400
    assert Contract.select().count() == 3


def test_rate_limits_can_be_reset_for_a_long_run(api, client):
    from clickar.auth import limits

    with client.application.test_request_context():
        for _ in range(20):
            limits.hit("login-account", "someone@example.jp")
        assert not limits.allowed("login-account", "someone@example.jp")
    assert api.post("/limits/reset", {}).get_json() == {"reset": True}
    with client.application.test_request_context():
        assert limits.allowed("login-account", "someone@example.jp")
