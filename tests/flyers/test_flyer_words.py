"""The flyer's words live once (issue 16 item 8): the screens and the A4 flyer print the same text."""
from __future__ import annotations

import re

from clickar import flyer_words as words
from clickar.flyers.pdf import flyer_pdf
from clickar.identity import MAX_CONTRACTS
from clickar.registration.wizard import LINK_LIFETIME


def test_the_24_hours_are_the_link_lifetime():
    assert words.VERIFY_WITHIN == f"{int(LINK_LIFETIME.total_seconds() // 3600)}時間以内"
    assert words.MAX_CONTRACTS_TEXT == f"最大{MAX_CONTRACTS}契約"


def test_the_flyer_pdf_prints_the_shared_words(tools):
    text = re.sub(r"\s+", "", tools.pdf_tool("pdftotext", flyer_pdf("HTTPS://EXAMPLE.JP/R/ABCD2345")))
    for phrase in [*words.STEPS.values(), words.VERIFY_NOTE, words.IMPORTANT_TITLE, words.IMPORTANT_POLICY_NUMBER,
                   words.IMPORTANT_FOUR_ITEMS, words.FOUR_ITEMS, words.IMPORTANT_MANY_CONTRACTS,
                   words.INSURER_ADDRESS]:
        assert re.sub(r"\s+", "", phrase) in text, phrase


def test_the_screens_show_the_same_words(client, actions):
    overview = client.get("/mypage/register/").get_data(as_text=True)
    for number in range(4, 11):
        assert f"<strong>{words.STEPS[number]}</strong>" in overview
    assert words.VERIFY_WITHIN in overview
    assert words.INSURER_ADDRESS in overview  # the footer
    actions.agree_to_terms()
    info = client.get("/mypage/register/info").get_data(as_text=True)
    for phrase in (words.IMPORTANT_TITLE, words.IMPORTANT_POLICY_NUMBER, words.IMPORTANT_FOUR_ITEMS,
                   words.FOUR_ITEMS, words.IMPORTANT_MANY_CONTRACTS, words.MAX_CONTRACTS_TEXT):
        assert phrase in info, phrase
