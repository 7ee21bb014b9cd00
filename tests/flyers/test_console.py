"""The staff QR console: login, roles, campaigns, downloads, results, CSV."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from clickar.flyers import campaigns
from clickar.flyers.qr import qr_mode
from clickar.models import Campaign, Staff

from flyer_support import IPHONE, STAFF_PASSWORD

CONSOLE_PAGES = ["/staff/", "/staff/campaigns/", "/staff/campaigns/new", "/staff/campaigns/1/",
                 "/staff/campaigns/1/results", "/staff/campaigns/1/visits.csv", "/staff/campaigns/1/flyer.pdf",
                 "/staff/accounts"]


# ------------------------------------------------------------------ login

@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_console_pages_send_strangers_to_the_staff_login(client, path):
    r = client.get(path)
    assert r.status_code == 303
    assert r.headers["Location"].startswith("/staff/login")


def test_htmx_request_without_staff_login_is_redirected_whole_page(client):
    r = client.get("/staff/campaigns/", headers={"HX-Request": "true"})
    assert r.headers["HX-Redirect"].startswith("/staff/login")


def test_a_member_login_does_not_open_the_console(client, actions):
    actions.register()
    assert client.get("/mypage/").status_code == 200  # logged in as a member
    r = client.get("/staff/campaigns/")
    assert r.status_code == 303 and r.headers["Location"].startswith("/staff/login")


def test_staff_login_returns_to_the_page_asked_for(staff, client):
    staff.account()
    client.get("/staff/campaigns/new")
    r = staff.post("/staff/login", {"email": "marketing@example.jp", "password": STAFF_PASSWORD,
                                    "next": "/staff/campaigns/new"})
    assert r.headers["Location"] == "/staff/campaigns/new"


def test_staff_login_never_goes_to_another_site(staff):
    staff.account()
    r = staff.post("/staff/login", {"email": "marketing@example.jp", "password": STAFF_PASSWORD,
                                    "next": "https://evil.example/staff/"})
    assert r.headers["Location"] == "/staff/campaigns/"


def test_wrong_staff_password_is_refused_in_japanese_and_keeps_the_email(staff):
    staff.account()
    r = staff.post("/staff/login", {"email": "marketing@example.jp", "password": "not-the-password"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "メールアドレスまたはパスワードが正しくありません。" in page
    assert 'value="marketing@example.jp"' in page
    assert "not-the-password" not in page


def test_empty_staff_login_names_each_field(staff):
    r = staff.post("/staff/login", {"email": "", "password": ""}, htmx=True)
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "メールアドレスを入力してください。" in page and "パスワードを入力してください。" in page
    assert "<html" not in page  # the partial only, for htmx


def test_too_many_staff_logins_for_one_address_are_slowed_down(staff):
    from clickar.auth import limits

    staff.account()
    with staff.app.app_context():
        limits.reset()
        for _ in range(20):
            limits.hit("login-account", "staff:marketing@example.jp:127.0.0.1")  # account and network
    r = staff.post("/staff/login", {"email": "Marketing@example.jp", "password": STAFF_PASSWORD})
    assert r.status_code == 429
    assert "しばらく時間をおいてお試しください" in r.get_data(as_text=True)
    with staff.app.app_context():
        limits.reset()


def test_member_credentials_do_not_open_the_console(staff, actions):
    actions.register()
    r = staff.post("/staff/login", {"email": "taro@example.jp", "password": "Clickar2026"})
    assert r.status_code == 422


def test_logout_ends_the_staff_session(staff, client):
    staff.login()
    assert client.get("/staff/campaigns/").status_code == 200
    r = staff.post("/staff/logout")
    assert r.headers["Location"].startswith("/staff/login")
    assert client.get("/staff/campaigns/").status_code == 303


def test_a_changed_password_ends_older_staff_sessions(staff, client, db):
    staff.login()
    from clickar.auth.passwords import hash_password

    Staff.update(password_hash=hash_password("another-password-1")).execute()
    assert client.get("/staff/campaigns/").status_code == 303


def test_console_pages_are_never_stored(staff, client):
    staff.login()
    page = staff.create_campaign()
    for path in ("/staff/campaigns/", page, page + "results", page + "visits.csv", page + "flyer.pdf",
                 page + "qr?format=svg&size=25", "/staff/login"):
        r = client.get(path)
        assert r.headers["Cache-Control"] == "no-store", path


def test_marketing_cannot_open_the_staff_accounts_page(staff, client):
    staff.login()
    r = client.get("/staff/accounts")
    assert r.status_code == 403
    assert 'href="/staff/accounts"' not in client.get("/staff/campaigns/").get_data(as_text=True)


def test_admin_sees_the_staff_accounts(staff, client):
    staff.account("someone@example.jp", "marketing")
    staff.login("boss@example.jp", "admin")
    page = client.get("/staff/accounts").get_data(as_text=True)
    assert "someone@example.jp" in page and "マーケティング" in page and "管理者" in page


# -------------------------------------------------------------- campaigns

BAD_CAMPAIGNS = [
    ({"name": ""}, "キャンペーン名を入力してください。"),
    ({"name": "あ" * 101}, "キャンペーン名は100文字以内で入力してください。"),
    ({"target": "elsewhere"}, "二次元コードの行き先を選んでください。"),
    ({"valid_from": ""}, "配布開始日を入力してください。"),
    ({"valid_from": "2026-02-30"}, "配布開始日は「2026-04-01」のように正しい日付で入力してください。"),
    ({"valid_until": "来年"}, "有効期限は「2027-03-31」のように正しい日付で入力してください。"),
    ({"valid_from": "2026-04-01", "valid_until": "2026-03-31"},
     "有効期限は配布開始日と同じ日か、それより後の日付にしてください。"),
    ({"agency_phone": "電話"}, "電話番号は半角数字とハイフンで入力してください（例：03-1234-5678）。"),
]


@pytest.mark.parametrize("changes,message", BAD_CAMPAIGNS)
def test_create_campaign_validation(staff, db, changes, message):
    staff.login()
    data = {"name": "春の配布", "target": "mypage", "label": "Bグループ", "valid_from": "2026-04-01",
            "valid_until": "", **changes}
    r = staff.post("/staff/campaigns/", data)
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert message in page
    assert "エラー：" in page
    if changes.get("name", "x"):
        assert "Bグループ" in page  # what was typed stays
    assert Campaign.select().count() == 0


def test_full_width_dates_and_digits_are_understood(staff, db):
    staff.login()
    staff.create_campaign(valid_from="２０２６年４月１日", valid_until="2027/3/31", agency_phone="０３-１２３４-５６７８")
    campaign = Campaign.get()
    assert (campaign.valid_from.isoformat(), campaign.valid_until.isoformat()) == ("2026-04-01", "2027-03-31")
    assert campaign.agency_phone == "03-1234-5678"


def test_new_campaign_gets_an_unguessable_upper_case_code(staff, client, db):
    staff.login()
    page = client.get(staff.create_campaign()).get_data(as_text=True)
    campaign = Campaign.get()
    assert re.fullmatch(r"[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{8}", campaign.code)
    assert campaigns.CODE_BITS >= 40
    assert f"http://localhost/r/{campaign.code}" in page
    assert f"HTTP://LOCALHOST/R/{campaign.code}" in page


def test_codes_do_not_repeat():
    codes = {campaigns.new_code() for _ in range(2000)}
    assert len(codes) == 2000


def test_the_printed_url_keeps_the_qr_code_in_alphanumeric_mode():
    url = campaigns.qr_url("https://clickar.example.jp", "ABCD2345")
    assert url == "HTTPS://CLICKAR.EXAMPLE.JP/R/ABCD2345"
    assert qr_mode(url) == "alphanumeric"
    assert qr_mode(campaigns.short_url("https://clickar.example.jp", "ABCD2345")) == "byte"


def test_editing_a_campaign_keeps_its_code(staff, client, db):
    staff.login()
    page = staff.create_campaign()
    code = Campaign.get().code
    form = client.get(page + "edit").get_data(as_text=True)
    assert 'value="2026年春 Aグループ配布分"' in form
    r = staff.post(page + "edit", {"name": "名前を変えた", "target": "help", "valid_from": "2020-04-01",
                                   "valid_until": "2099-12-31"})
    assert r.status_code == 303
    campaign = Campaign.get()
    assert (campaign.name, campaign.target, campaign.code) == ("名前を変えた", "help", code)
    assert "変更を保存しました" in client.get(r.headers["Location"]).get_data(as_text=True)


def test_list_shows_each_campaign_with_its_counts(staff, client, db):
    staff.login()
    staff.create_campaign(name="配布A")
    staff.create_campaign(name="配布B")
    code = Campaign.get(Campaign.name == "配布A").code
    client.get(f"/r/{code}", headers={"User-Agent": IPHONE})
    page = client.get("/staff/campaigns/").get_data(as_text=True)
    assert "配布A" in page and "配布B" in page
    card = page[page.index("配布A"):]
    assert re.search(r"<dt>スキャン</dt><dd>1</dd>", card)


def test_unknown_campaign_page_is_not_found(staff, client):
    staff.login()
    assert client.get("/staff/campaigns/999/").status_code == 404


def test_htmx_gets_the_partial_and_vary(staff, client):
    staff.login()
    r = client.get("/staff/campaigns/new", headers={"HX-Request": "true"})
    assert "<html" not in r.get_data(as_text=True)
    assert "HX-Request" in r.headers["Vary"]
    full = client.get("/staff/campaigns/new").get_data(as_text=True)
    assert "キャンペーンの作成" in full and "<html" in full


# -------------------------------------------------------------- downloads

def test_detail_page_shows_the_code_inline_as_svg(staff, client, db):
    staff.login()
    page = client.get(staff.create_campaign()).get_data(as_text=True)
    assert re.search(r"<svg[^>]*viewBox", page)
    assert "<?xml" not in page
    assert "A4チラシ（PDF）をダウンロード" in page


def test_downloaded_png_and_svg_decode_back_to_the_campaign_url(staff, client, db, tools):
    staff.login()
    page = staff.create_campaign()
    url = f"HTTP://LOCALHOST/R/{Campaign.get().code}"
    png = client.get(page + "qr?format=png&size=20&dpi=300&logo=y")
    assert png.headers["Content-Disposition"].startswith("attachment;")
    image = Image.open(io.BytesIO(png.data))
    assert round(image.info["dpi"][0]) == 300 and image.size[0] == round(20 / 25.4 * 300)
    assert [b.text for b in tools.decode(image.convert("RGB"))] == [url]
    svg = client.get(page + "qr?format=svg&size=40").get_data(as_text=True)
    assert 'width="40mm"' in svg
    assert [b.text for b in tools.decode(tools.svg_to_image(svg, 200))] == [url]


def test_flyer_pdf_carries_the_campaign_code_the_agency_and_the_help_chat_code(staff, client, db, tools):
    staff.login()
    page = staff.create_campaign(label="Cグループ", agency_name="株式会社テスト保険サービス",
                                 agency_phone="03-1111-2222")
    url = f"HTTP://LOCALHOST/R/{Campaign.get().code}"
    first = client.get(page + "flyer.pdf")
    assert first.mimetype == "application/pdf"
    assert first.headers["Content-Disposition"].startswith("attachment;")
    text = re.sub(r"\s+", "", tools.pdf_tool("pdftotext", first.data))
    assert "株式会社テスト保険サービス" in text and "03-1111-2222" in text
    # with an AIチャット campaign of the same group, its code becomes the flyer's small code
    staff.create_campaign(name="AIチャット Cグループ", target="help", label="Cグループ")
    help_code = Campaign.get(Campaign.target == "help").code
    found = {b.text for b in tools.decode(tools.pdf_to_image(client.get(page + "flyer.pdf").data, 150))}
    assert found == {url, f"HTTP://LOCALHOST/R/{help_code}"}
    assert campaigns.help_chat_url("http://localhost", "no such group") == "http://localhost/help/chat"


def test_the_internal_campaign_name_stays_off_the_customer_flyer(staff, client, db, tools):
    """Issue 19 item 20: 社内で見分けるための名前 was printed on the flyer and in the PDF title."""
    staff.login()
    page = staff.create_campaign(name="社内メモ 2026春 Aグループ配布分")
    pdf = client.get(page + "flyer.pdf").data
    text = re.sub(r"\s+", "", tools.pdf_tool("pdftotext", pdf))
    info = tools.pdf_tool("pdfinfo", pdf)
    assert "社内メモ" not in text
    assert "社内メモ" not in info
    assert re.search(r"Title:\s+Clickar マイページ会員登録のご案内\n", info)
    assert "マイページ会員登録お手続き手順" in text  # still the flyer, only without the staff's name


@pytest.mark.parametrize("query,message", [
    ("format=svg&size=abc", "印刷サイズは半角数字（mm）で入力してください。"),
    ("format=svg&size=500", "印刷サイズは15〜100mmの範囲で入力してください。"),
    ("format=gif&size=25", "形式を選んでください。"),
    ("format=png&size=25&dpi=72", "解像度を選んでください。"),
])
def test_bad_download_choices_are_explained_next_to_the_field(staff, client, query, message):
    staff.login()
    page = staff.create_campaign()
    r = client.get(page + "qr?" + query)
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)


def test_the_staff_login_page_shows_no_server_command(client):
    """Issue 19 item 23 (part): the login page showed `flask --app wsgi staff create`."""
    page = client.get("/staff/login").get_data(as_text=True)
    assert "flask" not in page and "<code>" not in page
    assert "社内の管理者にご依頼ください" in page
