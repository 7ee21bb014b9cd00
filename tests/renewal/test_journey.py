"""更新のお手続き through the Flask client: six steps, one URL each, with and without htmx."""
from __future__ import annotations

import re

from clickar.db import database
from clickar.models import OutboxMail, Renewal

from renewal_support import TARO_CAR, also_on_postgres, days_from_today, receipt_number, set_insurance_end


def text(response) -> str:
    return response.get_data(as_text=True)


def main_of(html: str) -> str:
    return html.split('<main id="main"', 1)[1].split(">", 1)[1].rsplit("</main>", 1)[0].strip()


def without_csrf(html: str) -> str:
    """CSRF tokens carry a timestamp: two renders a second apart differ only there."""
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', html)


def test_my_page_lists_the_contract_as_open_with_the_renewal_button(taro, client):
    page = text(client.get("/mypage/"))
    for words in ("プリウス", "車名", "保険始期", "SJ24000101"):
        assert words in page
    assert "更新手続き受付中" in page
    assert f'href="/mypage/contracts/{TARO_CAR}/renewal/"' in page
    assert "更新のお手続き" in page


def test_the_button_starts_at_step_one_and_shows_grade_and_next_grade(taro, client):
    r = client.get(f"/mypage/contracts/{TARO_CAR}/renewal/")
    assert r.status_code == 303
    assert r.headers["Location"].endswith("/renewal/contract")
    page = text(client.get(r.headers["Location"]))
    assert "ご契約内容の確認" in page
    assert "15<small>等級" in page and "16<small>等級" in page
    assert "家族限定" in page and "35歳以上補償" in page and "通勤・通学" in page
    assert "給与天引き（12回払）" in page


def test_skipping_ahead_goes_back_to_the_first_unfinished_step(taro, client):
    for step in ("options", "premium", "disclosure", "review", "done"):
        r = client.get(f"{taro.base}/{step}")
        assert r.status_code == 303, step
        assert r.headers["Location"].endswith(("/renewal/contract", "/renewal/")), (step, r.headers["Location"])
    taro.contract()
    r = client.get(f"{taro.base}/review")
    assert r.headers["Location"].endswith("/renewal/options")


def test_get_never_changes_the_draft(taro, client):
    taro.contract()
    taro.options(driver_age="all")

    def draft():
        with client.session_transaction() as session:
            return session.get("rnw")

    before = draft()
    assert before["c"][TARO_CAR]["options"]["driver_age"] == "all"
    for step in ("", "contract", "options", "premium", "disclosure", "review", "done"):
        client.get(f"{taro.base}/{step}")
    assert draft() == before


def test_step_two_shows_the_current_conditions_and_their_premium(taro, client):
    taro.contract()
    page = text(client.get(f"{taro.base}/options"))
    assert 'data-premium="37570"' in page
    assert "37,570円" in page
    assert re.search(r'name="driver_age" value="35" checked', page)
    assert 'hx-trigger="change from:#options-form"' in page
    assert ">再計算</button>" in page


def test_the_quote_endpoint_answers_the_premium_partial_for_htmx(taro, client):
    taro.contract()
    r = taro.quote(driver_age="all")
    assert r.status_code == 200
    assert "HX-Request" in r.headers.get("Vary", "")
    body = text(r)
    assert body.lstrip().startswith('<div class="quote" id="quote"')
    assert 'data-premium="57920"' in body and "57,920円" in body
    assert "1回目 4,834円・2回目以降 4,826円" in body
    assert "<html" not in body


def test_the_quote_endpoint_answers_422_with_the_message_for_an_unknown_option(taro, client):
    taro.contract()
    r = taro.quote(mileage="20000")
    assert r.status_code == 422
    assert "年間走行距離を選択してください。" in text(r)


def test_recalculate_without_javascript_redraws_the_page_with_the_new_premium(taro, client):
    taro.contract()
    r = taro.options(action="quote", driver_age="21")
    assert r.status_code == 200
    page = text(r)
    assert "<html" in page and 'data-premium="46570"' in page
    assert re.search(r'name="driver_age" value="21" checked', page)
    # and the choice survives a reload of the step
    assert re.search(r'name="driver_age" value="21" checked', text(client.get(f"{taro.base}/options")))


def test_without_vehicle_cover_the_deductible_choices_are_switched_off_and_explained(taro, client):
    """Issue 19 item 13: 車両保険なし left the 免責金額 choices active."""
    taro.contract()
    page = text(taro.options(action="quote", vehicle="none"))
    deductible = page[page.index('id="deductible"'):page.index('id="purpose"')]
    assert re.search(r'<fieldset class="radios__fieldset" disabled', deductible)
    assert "「車両保険なし」を選んでいるため、免責金額は選べません" in deductible
    assert 'id="deductible-off" hidden' not in deductible
    assert '<input type="hidden" name="deductible" value="5-10">' in page  # what the browser sends next
    # the earlier choice is kept: back to 一般型 without JavaScript, it is still chosen
    page = text(taro.options(action="quote", vehicle="general"))
    deductible = page[page.index('id="deductible"'):page.index('id="purpose"')]
    assert "disabled" not in deductible and 'id="deductible-off" hidden' in deductible
    assert re.search(r'name="deductible" value="5-10" checked', deductible)


def test_the_disclosure_is_in_the_page_and_as_a_pdf_with_the_same_text(taro, client):
    """Issue 19 item 12: a small inner scroll box; now the page scrolls and the PDF can be kept."""
    import subprocess
    from clickar.renewal.disclosure_pdf import blocks
    taro.until_review()
    page = text(client.get(f"{taro.base}/disclosure"))
    assert 'class="terms terms--page"' in page and 'tabindex="0"' not in page
    assert f'href="{taro.base}/disclosure.pdf"' in page
    r = client.get(f"{taro.base}/disclosure.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    pdf_text = subprocess.run(["pdftotext", "-", "-"], input=r.data, capture_output=True, check=True).stdout.decode()
    flat = re.sub(r"\s+", "", pdf_text)
    shown = blocks(page[page.index('<section class="terms'):page.index("</section>")])
    assert len(shown) > 10
    for _tag, words in shown:
        assert re.sub(r"\s+", "", words) in flat
    assert TARO_CAR in flat


def test_someone_elses_disclosure_pdf_is_not_found(taro, client):
    assert client.get("/mypage/contracts/SJ24000201/renewal/disclosure.pdf").status_code == 404


def test_an_unknown_option_is_refused_next_to_the_field_and_keeps_the_rest(taro, client):
    taro.contract()
    r = taro.options(driver_age="99", mileage="5000")
    assert r.status_code == 422
    page = text(r)
    assert "運転者年齢条件を選択してください。" in page
    assert 'id="driver_age-error"' in page
    assert re.search(r'name="mileage" value="5000" checked', page)


def test_premium_step_shows_the_breakdown_and_instalments(taro, client):
    taro.contract()
    taro.options(driver_age="all")
    page = text(client.get(f"{taro.base}/premium"))
    assert "基本保険料（16等級）" in page and "38,400円" in page
    assert "×1.480" in page and "×0.980" in page and "×1.040" in page
    assert "57,920円" in page
    assert "1回目" in page and "4,834円" in page and "4,826円" in page
    assert "例示用（デモ）の料率表" in page


def test_disclosure_must_have_both_boxes_checked(taro, client):
    taro.contract()
    taro.options()
    taro.premium()
    for read, intent, missing in ((False, True, "read_disclosure"), (True, False, "intent_confirmed"),
                                  (False, False, "read_disclosure")):
        r = taro.disclosure(read=read, intent=intent)
        assert r.status_code == 422
        assert f'id="{missing}-error"' in text(r)
    assert client.get(f"{taro.base}/review").headers["Location"].endswith("/renewal/disclosure")
    assert taro.disclosure().status_code == 303


@also_on_postgres  # My Page top's one query (contracts, groups, live renewals) on both databases
def test_full_renewal_sends_both_mails_and_my_page_says_done(taro, client, mailbox, seeded):
    number = taro.renew(driver_age="all")
    member_mail = mailbox.last_body("taro@example.jp", "更新手続き受付のご連絡")
    assert number in member_mail and "57,920円" in member_mail and "年齢を問わず補償" in member_mail
    agency_mail = mailbox.last_body("agency@example.jp", "更新手続き受付")
    assert number in agency_mail and TARO_CAR in agency_mail and "山田 太郎" in agency_mail
    top = text(client.get("/mypage/"))
    assert "更新手続き済み" in top and number in top
    # item 11 (issue 19): a renewed contract no longer offers 更新のお手続き nor tells people to press it
    assert "お手続き内容を確認する" in top
    assert "更新のお手続き</a>" not in client.get("/mypage/").get_data(as_text=True)
    assert "「更新のお手続き」ボタンを押して" not in top
    # the submitted renewal can be viewed
    r = client.get(f"/mypage/contracts/{TARO_CAR}/renewal/")
    assert r.headers["Location"].endswith(f"/receipts/{number}")
    receipt = text(client.get(r.headers["Location"]))
    assert number in receipt and "57,920円" in receipt and "このお手続きを取り消す" in receipt
    with seeded.app_context():
        database.connect(reuse_if_open=True)
        row = Renewal.get(Renewal.receipt_number == number)
        assert (row.annual_premium, row.first_installment, row.other_installment) == (57920, 4834, 4826)
        assert row.grade_next == 16 and row.driver_age == "all"
        assert OutboxMail.select().where(OutboxMail.kind.startswith("renewal_accepted")).count() == 2


def test_every_step_answers_htmx_with_the_partial_of_its_page(taro, client):
    taro.contract()
    taro.options()
    taro.premium()
    taro.disclosure()
    for step in ("contract", "options", "premium", "disclosure", "review"):
        page = text(client.get(f"{taro.base}/{step}"))
        partial = client.get(f"{taro.base}/{step}", headers={"HX-Request": "true"})
        assert partial.headers.get("Vary") and "HX-Request" in partial.headers["Vary"]
        assert without_csrf(main_of(page)) == without_csrf(text(partial).strip()), step


def test_htmx_journey_swaps_partials_and_ends_on_the_done_partial(taro, client, mailbox):
    assert taro.contract(htmx=True).status_code == 303
    r = taro.options(htmx=True, driver_age="26")
    assert r.status_code == 303
    assert taro.premium(htmx=True).status_code == 303
    bad = taro.disclosure(read=False, htmx=True)
    assert bad.status_code == 422 and "<html" not in text(bad)
    assert taro.disclosure(htmx=True).status_code == 303
    r = taro.confirm(htmx=True)
    done = client.get(r.headers["Location"], headers={"HX-Request": "true"})
    body = text(done)
    assert "<html" not in body and "受付番号" in body
    number = receipt_number(body)
    assert mailbox.wait_for("taro@example.jp", "更新手続き受付のご連絡")
    assert number


def test_another_members_contract_is_not_found(taro, client):
    assert client.get("/mypage/contracts/SJ24000201/renewal/").status_code == 404
    assert client.get("/mypage/contracts/SJ24000201/renewal/contract").status_code == 404
    assert taro.post("/mypage/contracts/SJ24000201/renewal/contract").status_code == 404


def test_logged_out_visitors_are_sent_to_login(seeded, client):
    r = client.get(f"/mypage/contracts/{TARO_CAR}/renewal/contract")
    assert r.status_code in (302, 303)
    assert "/mypage/login" in r.headers["Location"]


@also_on_postgres  # My Page top's one query (contracts, groups, live renewals) on both databases
def test_last_terms_renewal_does_not_mark_the_next_term_done(taro, client, seeded):
    """When the operator loads the renewed contract (保険終期 a year on), My Page top shows the new
    term as open again: the renewal of the term before is history, not this term's 手続き済み."""
    number = taro.renew()
    assert "更新手続き済み" in text(client.get("/mypage/"))
    with seeded.app_context():
        database.connect(reuse_if_open=True)
        end = Renewal.get(Renewal.receipt_number == number).term_start
    later = days_from_today(60) if days_from_today(60) != end else days_from_today(61)  # a term still open
    set_insurance_end(seeded, TARO_CAR, later)
    top = text(client.get("/mypage/"))
    assert "更新手続き受付中" in top and number not in top
