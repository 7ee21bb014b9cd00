"""My Page around contracts: add (same identity check, up to 5), remove, お客さま情報 change requests, 退会."""
from __future__ import annotations

import re

from renewal_support import also_on_postgres, in_app, PASSWORD, TARO_CAR, TARO_SECOND, member_with, sign_in

from clickar import contracts as contract_data
from clickar.db import database
from clickar.demo import demo_rows
from clickar.models import ChangeRequest, Member, MemberContract, OutboxMail, PendingRegistration, Renewal
from clickar import jp
from clickar.renewal import export


TARO_IDENTITY = {"name": "山田 太郎", "name_kana": "ヤマダ タロウ", "birth_year": "1970", "birth_month": "4", "birth_day": "1",
                 "postal_code": "160-0023", "address": "東京都新宿区西新宿二丁目8番1号", "phone": "03-1234-5678"}


def add(taro, policy_number, **changes):
    return taro.post("/mypage/contracts/add", {"policy_number": policy_number, **TARO_IDENTITY, **changes})


# ------------------------------------------------------------ add / remove

def test_add_form_starts_with_the_holders_details(seeded, taro, client):
    page = client.get("/mypage/contracts/add").get_data(as_text=True)
    assert 'value="山田 太郎"' in page and 'value="1970"' in page and '<legend class="field__label">生年月日' in page
    assert '<label class="field__label" for="policy_number">証券番号</label>' in page


@also_on_postgres
def test_adding_a_contract_with_matching_details_lists_it_on_my_page(seeded, taro, client):
    r = add(taro, "sj-24000102")  # typed loosely: normalised like registration
    assert r.status_code == 303
    top = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "ご契約を追加しました。" in top and "N-BOX" in top and "プリウス" in top


def test_adding_with_a_wrong_detail_says_only_that_details_do_not_match(seeded, taro):
    for changes in ({"birth_day": "2"}, {"phone": "03-9999-9999"}, {"name": "山田 次郎"}):
        r = add(taro, TARO_SECOND, **changes)
        assert r.status_code == 422
        page = r.get_data(as_text=True)
        assert "入力された情報とご契約情報が一致しないため、追加できません。" in page
        for field in ("生年月日が", "電話番号が", "氏名が"):
            assert field not in page
        assert 'value="03-1234-5678"' in page or 'value="03-9999-9999"' in page  # what was typed stays


def test_someone_elses_linked_contract_cannot_be_added(seeded, taro):
    member_with(seeded, "hanako@example.jp", "SJ24000201")
    r = add(taro, "SJ24000201", name="佐藤 花子", name_kana="サトウ ハナコ", birth_year="1985", birth_month="11", birth_day="23",
            postal_code="530-0001", address="大阪府大阪市北区梅田一丁目1番3号 シティタワー梅田1205号室",
            phone="06-6123-4567")
    assert r.status_code == 422
    assert "一致しないため" in r.get_data(as_text=True)


def test_bad_input_is_refused_next_to_the_field(seeded, taro):
    r = add(taro, "SJ-2", postal_code="12", name_kana="やまだ たろう?")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="policy_number-error"' in page and "半角英数字（6〜20文字）" in page
    assert 'id="postal_code-error"' in page and 'id="name_kana-error"' in page


def test_no_more_than_five_contracts(seeded, taro, client):
    extra = []
    for n in range(3, 8):
        row = dict(demo_rows()[0], policy_number=f"SJ2400010{n}", car_name=f"車{n}")
        extra.append(row)
    in_app(seeded, lambda: contract_data.upsert(extra))
    for number in (TARO_SECOND, "SJ24000103", "SJ24000104", "SJ24000105"):
        assert add(taro, number).status_code == 303, number
    top = client.get("/mypage/").get_data(as_text=True)
    assert "ご契約を追加する" not in top and "最大5契約" in top
    r = add(taro, "SJ24000106")
    assert r.status_code == 422 and "最大5契約" in r.get_data(as_text=True)
    assert "最大5契約" in client.get("/mypage/contracts/add").get_data(as_text=True)


@also_on_postgres
def test_removing_a_link_asks_first_and_keeps_the_contract(seeded, taro, client):
    add(taro, TARO_SECOND)
    page = client.get(f"/mypage/contracts/{TARO_SECOND}/remove").get_data(as_text=True)
    assert "マイページから削除しますか" in page
    r = taro.post(f"/mypage/contracts/{TARO_SECOND}/remove")
    assert r.status_code == 303
    top = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "N-BOX" not in top and "プリウス" in top and "削除しました" in top
    assert client.get(f"/mypage/contracts/{TARO_SECOND}/").status_code == 404
    # and it can be added back with the same identity check
    assert add(taro, TARO_SECOND).status_code == 303


def test_another_members_contract_cannot_be_removed(seeded, taro):
    member_with(seeded, "hanako@example.jp", "SJ24000201")
    assert taro.post("/mypage/contracts/SJ24000201/remove").status_code == 404
    assert in_app(seeded, lambda: MemberContract.select().count()) == 2


# ------------------------------------------------------------ お客さま情報

def test_profile_shows_the_insurers_details_and_the_mail_address(seeded, taro, client):
    page = client.get("/mypage/profile").get_data(as_text=True)
    for value in ("taro@example.jp", "山田 太郎", "ヤマダ タロウ", "1970年4月1日", "〒160-0023",
                  "東京都新宿区西新宿二丁目8番1号", "03-1234-5678"):
        assert value in page


@also_on_postgres
def test_changing_the_address_records_a_request_and_exports_it(seeded, taro, client, runner, mailbox):
    add(taro, TARO_SECOND)
    r = taro.post("/mypage/profile/change", {"postal_code": "1000001", "address": "東京都千代田区千代田1-1",
                                             "phone": "03-1234-5678"})
    assert r.status_code == 303
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "変更のお申し出を受け付けました" in page and "東京都千代田区千代田1-1" in page
    # the contract itself stays the insurer's
    assert "東京都新宿区西新宿二丁目8番1号" in page
    number = re.search(r"受付番号 (C\d{6}-[A-Z0-9]{6})", page).group(1)
    assert number in mailbox.last_body("taro@example.jp", "お客さま情報変更")
    result = runner.invoke(args=["changes", "export", "--since", jp.today().isoformat(), "--encoding", "cp932"])
    assert result.exit_code == 0, result.output
    rows = export.parse_changes(result.stdout_bytes)
    assert [(r["request_number"], r["policy_number"]) for r in rows] == [(number, TARO_CAR), (number, TARO_SECOND)]
    assert rows[0]["new_postal_code"] == "100-0001" and rows[0]["new_address"] == "東京都千代田区千代田1-1"
    assert rows[0]["new_phone"] == "" and rows[0]["old_address"] == "東京都新宿区西新宿二丁目8番1号"


def test_a_change_that_changes_nothing_is_refused(seeded, taro):
    r = taro.post("/mypage/profile/change", {"postal_code": "160-0023", "address": "東京都新宿区西新宿二丁目8番1号",
                                             "phone": "03-1234-5678"})
    assert r.status_code == 422
    assert "現在の内容と同じです" in r.get_data(as_text=True)


def test_a_bad_phone_number_is_refused_next_to_the_field(seeded, taro):
    r = taro.post("/mypage/profile/change", {"postal_code": "160-0023", "address": "東京都新宿区西新宿二丁目8番1号",
                                             "phone": "abc"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="phone-error"' in page and 'value="abc"' in page


# ------------------------------------------------------------------ 退会

def test_withdrawal_needs_the_check_and_the_password(seeded, taro):
    r = taro.post("/mypage/withdraw", {"password": PASSWORD})
    assert r.status_code == 422 and 'id="understood-error"' in r.get_data(as_text=True)
    r = taro.post("/mypage/withdraw", {"understood": "y", "password": "Wrong2026"})
    assert r.status_code == 422 and "パスワードが正しくありません" in r.get_data(as_text=True)
    assert in_app(seeded, lambda: Member.by_email("taro@example.jp")) is not None


@also_on_postgres
def test_withdrawal_removes_the_member_and_anonymises_what_stays(seeded, taro, client, mailbox):
    number = taro.renew()
    taro.post("/mypage/profile/change", {"postal_code": "1000001", "address": "東京都千代田区千代田1-1",
                                         "phone": "03-1234-5678"})
    mailbox.wait_for("agency@example.jp", "更新手続き受付")
    page = client.get("/mypage/withdraw").get_data(as_text=True)
    assert "退会する前にご確認ください" in page and number in page
    r = taro.post("/mypage/withdraw", {"understood": "y", "password": PASSWORD})
    assert r.status_code == 303 and r.headers["Location"].endswith("/mypage/withdrawn")
    assert "退会手続きが完了しました" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert mailbox.wait_for("taro@example.jp", "マイページ退会手続き完了のご連絡", timeout=20)
    # logged out
    assert client.get("/mypage/").status_code in (302, 303)

    def check():
        assert Member.by_email("taro@example.jp") is None
        assert MemberContract.select().count() == 0
        assert PendingRegistration.select().where(PendingRegistration.email == "taro@example.jp").count() == 0
        renewal = Renewal.get(Renewal.receipt_number == number)
        assert renewal.member_id is None and renewal.email == "" and renewal.cancelled_at is None
        request = ChangeRequest.get()
        assert request.member_id is None
        old = (OutboxMail.select()
               .where((OutboxMail.recipient == "taro@example.jp") & (OutboxMail.kind != "withdrawn")))
        assert old.count() == 0
    in_app(seeded, check)


def test_after_withdrawal_the_same_contracts_can_be_registered_again(seeded, taro, actions, client):
    taro.post("/mypage/withdraw", {"understood": "y", "password": PASSWORD})
    actions.register()  # PERSON = 山田 太郎, SJ24000101, taro@example.jp
    assert "プリウス" in client.get("/mypage/").get_data(as_text=True)


def test_another_device_is_signed_out_by_withdrawal(seeded, taro, taro_id, app):
    other = app.test_client()
    sign_in(other, taro_id)
    assert other.get("/mypage/").status_code == 200
    taro.post("/mypage/withdraw", {"understood": "y", "password": PASSWORD})
    assert other.get("/mypage/").status_code in (302, 303)


def test_my_page_top_offers_profile_add_and_withdrawal(seeded, taro, client):
    page = client.get("/mypage/").get_data(as_text=True)
    for link in ('href="/mypage/profile"', 'href="/mypage/contracts/add"', 'href="/mypage/withdraw"'):
        assert link in page


def test_adding_contracts_is_rate_limited_per_policy_number(seeded, taro):
    for _ in range(10):  # the production limit: 10 identity checks per policy number an hour
        assert add(taro, TARO_SECOND, birth_day="2").status_code == 422
    r = add(taro, TARO_SECOND)  # even the right details wait now
    assert r.status_code == 429
    assert "しばらく時間をおいてお試しください" in r.get_data(as_text=True)


# ------------------------------------------------- the flyer's 更新のお手続き code

def test_the_renewal_code_leads_to_the_login_then_the_renewal_itself(seeded, client):
    """Issue 19 item 22: 更新のお手続き and マイページトップ both went to /mypage/."""
    from clickar.flyers import campaigns
    assert campaigns.target_path("renewal") != campaigns.target_path("mypage")
    r = client.get(campaigns.target_path("renewal"))
    assert r.status_code in (302, 303) and "/mypage/login" in r.headers["Location"]
    with client.session_transaction() as session:
        assert session["login_next"] == "/mypage/renewal"  # where login continues


def test_with_one_contract_open_the_renewal_code_starts_its_renewal(seeded, taro, client):
    r = client.get("/mypage/renewal")
    assert r.status_code == 303
    assert r.headers["Location"] == f"/mypage/contracts/{TARO_CAR}/renewal/"


def test_with_several_open_the_renewal_code_shows_my_page_with_the_first_card_in_focus(seeded, client):
    from renewal_support import days_from_today, set_insurance_end
    for number in (TARO_CAR, TARO_SECOND):
        set_insurance_end(seeded, number, days_from_today(40))
    sign_in(client, member_with(seeded, "two@example.jp", TARO_CAR, TARO_SECOND))
    r = client.get("/mypage/renewal")
    assert r.status_code == 303
    location = r.headers["Location"]
    assert location.startswith("/mypage/?notice=choose#contract-SJ2400010")
    page = client.get(location).get_data(as_text=True)
    assert "更新のお手続きができるご契約が複数あります。" in page
    assert f'id="{location.split("#")[1]}"' in page


def test_with_nothing_open_the_renewal_code_shows_my_page(seeded, taro, client):
    from renewal_support import days_from_today, set_insurance_end
    set_insurance_end(seeded, TARO_CAR, days_from_today(200))  # before the renewal period
    r = client.get("/mypage/renewal")
    assert r.status_code == 303 and r.headers["Location"] == "/mypage/"


def test_the_address_search_button_works_on_adding_a_contract_without_javascript(seeded, taro):
    page = taro.post("/mypage/contracts/add", {"policy_number": "SJ24000102", "name": "山田 太郎",
                                                     "postal_code": "100-0001", "address": "", "action": "postal"}).get_data(as_text=True)
    assert 'value="東京都千代田区千代田"' in page and 'value="SJ24000102"' in page


def test_my_page_top_reads_the_members_contracts_once(seeded, taro, client, caplog):
    """Issue 23: the footer's 取扱代理店 asked for the contracts again (one query more per page)."""
    import logging

    client.get("/mypage/")  # warm up
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        page = client.get("/mypage/").get_data(as_text=True)
    statements = [r.getMessage() for r in caplog.records if r.name == "peewee"]
    reads = [s for s in statements if 'FROM "contract"' in s]
    assert len(reads) == 1, reads
    assert TARO_CAR in page and "クリック保険サービス株式会社" in page  # the card and the footer's 取扱代理店
