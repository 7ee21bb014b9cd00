"""お客さま情報の入力: every rule and every error, as the customer reads it."""
from __future__ import annotations

import base64
import re

import pytest

from demo_people import PERSON


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def at_info(actions):
    actions.agree_to_terms()
    return actions


@pytest.mark.parametrize(("field", "value", "message"), [
    ("policy_numbers-0", "", "証券番号を入力してください。"),
    ("policy_numbers-0", "SJ-2400#0101", "証券番号は半角英数字"),
    ("name", "", "氏名を入力してください。"),
    ("name_kana", "", "フリガナを入力してください。"),
    ("name_kana", "Yamada Taro", "フリガナは全角カタカナで入力してください。"),
    ("birth_year", "", "生年月日の「年」を入力してください。"),
    ("birth_day", "31", "4月31日は存在しない日付です。"),
    ("birth_year", "70", "年は西暦4桁または和暦で入力してください。例：1970、S45、昭和45"),
    ("birth_month", "13", "月は1〜12の数字で入力してください。"),
    ("postal_code", "", "郵便番号を入力してください。"),
    ("postal_code", "16000", "郵便番号は7桁の数字で入力してください。"),
    ("address", "", "住所を入力してください。"),
    ("address", "東" * 121, "住所は120文字以内で入力してください。"),
    ("phone", "", "電話番号を入力してください。"),
    ("phone", "1234", "電話番号は市外局番から数字で入力してください。"),
    ("phone", "03-1234-abcd", "電話番号は市外局番から数字で入力してください。"),
    ("email", "", "メールアドレスを入力してください。"),
    ("email", "taro@example", "メールアドレスの形式が正しくありません。"),
    ("password", "", "パスワードを入力してください。"),
    ("password", "Short1", "パスワードは8文字以上32文字以内の半角英数字で入力してください。"),
    ("password", "A1" * 17, "パスワードは8文字以上32文字以内の半角英数字で入力してください。"),
    ("password", "onlyletters", "パスワードは英字と数字をそれぞれ1文字以上含めてください。"),
    ("password", "1234567890", "パスワードは英字と数字をそれぞれ1文字以上含めてください。"),
    ("password", "Clickar_2026", "パスワードに使えるのは半角英字（大文字・小文字）と数字だけです。"),
    ("password", "Ｃｌｉｃｋａｒ２０２６", "パスワードに全角文字は使えません。半角英数字で入力してください。"),
    ("password_confirm", "Clickar2027", "パスワードとパスワード（確認用）が一致しません。"),
    ("password_confirm", "", "確認のため、パスワードをもう一度入力してください。"),
])
def test_bad_input_is_refused_next_to_the_field(at_info, field, value, message):
    data = dict(PERSON, **{field: value})
    if field == "password":
        data["password_confirm"] = value
    response = at_info.post("/mypage/register/info", data)
    assert response.status_code == 422
    page = text(response)
    field_id = field
    error_id = "birth-date" if field.startswith("birth_") else field  # 生年月日: one error for its fieldset
    assert re.search(rf'<p class="field__error" id="{re.escape(error_id)}-error"><span class="visually-hidden">エラー：</span>{re.escape(message)}', page), page[:200]
    assert f'aria-describedby="' in page and f'{error_id}-error"' in page
    assert f'<a href="#{field_id}">{message}' in page  # error summary links to the field
    assert "<title>エラー：" in page


def test_bad_input_keeps_what_was_typed_except_passwords(at_info):
    response = at_info.post("/mypage/register/info", dict(PERSON, phone="abc"))
    page = text(response)
    for typed in ("SJ24000101", "山田 太郎", "ヤマダ タロウ", "1970", "160-0023",
                  "東京都新宿区西新宿二丁目8番1号", "abc", "taro@example.jp"):
        assert f'value="{typed}"' in page, typed
    assert PERSON["password"] not in page


def test_full_width_and_hiragana_input_is_accepted(at_info, client):
    response = at_info.post("/mypage/register/info", dict(
        PERSON, **{"policy_numbers-0": "ｓｊ２４０００１０１", "name_kana": "やまだ たろう",
                   "postal_code": "１６０－００２３", "email": "ＴＡＲＯ@example.jp"}))
    assert response.status_code == 303, text(response)
    page = text(client.get("/mypage/register/confirm"))
    assert "SJ24000101" in page and "ヤマダ タロウ" in page and "taro@example.jp" in page


@pytest.mark.parametrize(("field", "value"), [
    ("name", "山田 次郎"),
    ("address", "東京都新宿区西新宿二丁目8番2号"),
    ("birth_day", "2"),
    ("phone", "03-1234-5679"),
    ("postal_code", "160-0022"),
    ("policy_numbers-0", "SJ24999999"),
])
def test_wrong_detail_is_rejected_without_saying_which_field(at_info, field, value):
    response = at_info.post("/mypage/register/info", dict(PERSON, **{field: value}))
    assert response.status_code == 422
    page = text(response)
    assert "入力された情報とご契約情報が一致しないため、登録できません。" in page
    assert 'class="field__error"' not in page  # no field is singled out
    summary = page[page.index('class="error-summary"'):page.index("</ul>")]
    assert "<a href" not in summary
    assert 'value="' + (value if field != "policy_numbers-0" else value) + '"' in page


def test_contract_already_registered_gets_the_same_message_as_a_mismatch(actions, client):
    actions.register()
    actions.post("/mypage/logout")
    client.delete_cookie("__Host-clickar_session")
    actions.agree_to_terms()
    response = actions.enter_info(email="someone.else@example.jp")
    mismatch = actions.enter_info(email="someone.else@example.jp", phone="03-0000-0000")
    assert response.status_code == mismatch.status_code == 422
    summary = lambda html: html[html.index('class="error-summary"'):html.index("</ul>")]  # noqa: E731
    assert summary(text(response)) == summary(text(mismatch))
    assert text(response).count('class="field__error"') == text(mismatch).count('class="field__error"') == 0


def test_mail_address_already_registered_goes_on_to_confirmation(actions, client):
    # what the owner of the address learns comes by mail (tests/security/test_takeover.py)
    actions.register(dict(PERSON, **{"policy_numbers-0": "SJ24000101"}))
    actions.post("/mypage/logout")
    actions.agree_to_terms()
    response = actions.enter_info(**{"policy_numbers-0": "SJ24000102"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/mypage/register/confirm")


def test_one_mismatching_contract_of_two_blocks_registration(at_info):
    response = at_info.post("/mypage/register/info", dict(PERSON, **{"policy_numbers-1": "SJ24000201"}))
    assert response.status_code == 422
    assert "一致しない" in text(response)


def test_the_same_policy_number_twice_is_pointed_out(at_info):
    response = at_info.post("/mypage/register/info", dict(PERSON, **{"policy_numbers-1": "SJ24000101"}))
    assert response.status_code == 422
    assert "同じ証券番号が入力されています。" in text(response)


# ------------------------------------------------------------------- 追加

def test_add_without_javascript_rerenders_with_a_new_row_and_keeps_everything(at_info, client):
    response = at_info.post("/mypage/register/info", dict(PERSON, action="add"))
    assert response.status_code == 200
    page = text(response)
    assert 'id="policy_numbers-1"' in page
    assert "証券番号（2契約目）" in page
    assert 'value="山田 太郎"' in page and 'value="SJ24000101"' in page
    assert "入力済みのパスワードを使う場合は空欄のままで構いません" in page
    # the password typed before 追加 still counts: 次へ without retyping it
    response = at_info.post("/mypage/register/info", dict(PERSON, password="", password_confirm="",
                                                          **{"policy_numbers-1": "SJ24000102"}))
    assert response.status_code == 303, text(response)


def test_add_with_htmx_swaps_in_only_the_contract_rows(at_info):
    response = at_info.post("/mypage/register/info", dict(PERSON, action="add"), htmx=True,
                            headers={"HX-Target": "policy-numbers"})
    page = text(response)
    assert page.lstrip().startswith('<fieldset class="fieldset" id="policy-numbers">')
    assert 'id="policy_numbers-1"' in page and 'value="SJ24000101"' in page
    assert "氏名" not in page


def test_at_most_five_contracts(at_info):
    data = dict(PERSON)
    for i in range(1, 8):
        data[f"policy_numbers-{i}"] = ""
        response = at_info.post("/mypage/register/info", dict(data, action="add"))
    page = text(response)
    assert 'id="policy_numbers-4"' in page
    assert 'id="policy_numbers-5"' not in page
    assert ">追加<" not in page
    assert "登録できるのは最大5契約です。" in page


def test_remove_takes_out_that_row(at_info):
    data = dict(PERSON, **{"policy_numbers-1": "SJ24000102", "policy_numbers-2": "SJ24000201"})
    response = at_info.post("/mypage/register/info?row=1", dict(data, action="remove"))
    page = text(response)
    assert 'value="SJ24000201"' in page and 'value="SJ24000102"' not in page


# ------------------------------------------------------- session cookie

def test_draft_cookie_with_five_contracts_is_small_and_unreadable(at_info, client):
    data = dict(PERSON)
    for i in range(1, 5):
        data[f"policy_numbers-{i}"] = f"SJ2400{i:04d}"
    at_info.post("/mypage/register/info", data)  # mismatch, but the draft keeps all five
    cookie = client.get_cookie("__Host-clickar_session")
    assert cookie is not None
    assert len(cookie.value) < 3072
    raw = base64.urlsafe_b64decode(cookie.value + "=" * (-len(cookie.value) % 4))
    for secret in ("SJ24000101", "SJ24000004", "taro@example.jp", "山田".encode().hex(), "1970"):
        assert secret.encode() not in raw
    assert "山田".encode() not in raw and PERSON["password"].encode() not in raw
    # and with the key it is all there (so the test would notice an empty cookie)
    from clickar.session import COOKIE_NAME, derive_key, unseal

    data = unseal(derive_key(client.application.secret_key), cookie.value, COOKIE_NAME.encode(), 3600)
    assert data["reg"]["info"]["policy_numbers"][4] == "SJ24000004"
    assert PERSON["password"] not in str(data)
    assert data["reg"]["pw"].startswith("$argon2id$")


def test_session_cookie_flags(at_info, client):
    response = at_info.agree_to_terms()
    header = response.headers["Set-Cookie"]
    assert header.startswith("__Host-clickar_session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in header
    assert "Domain" not in header


def test_tampered_session_cookie_is_treated_as_no_session(at_info, client):
    cookie = client.get_cookie("__Host-clickar_session").value
    flipped = cookie[:-6] + ("A" if cookie[-6] != "A" else "B") + cookie[-5:]
    client.set_cookie("__Host-clickar_session", flipped)
    response = client.get("/mypage/register/info")
    assert response.status_code == 303  # the draft is gone: back to the terms
