"""A question typed in romaji (a phone keyboard left in English) is read as the kana it stands for.

Found in the ninth session: blind batch 12's writer typed about one question in six in romaji
(「koushin no kigen itsu made?」) and the chat handed several off as out of scope.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clickar.help.engine import get_engine
from clickar.help.text import romaji_to_hiragana

# Hepburn as a phone user types it, written here independently of the reader's own table
HEPBURN = {
    "あ": "a", "い": "i", "う": "u", "え": "e", "お": "o", "か": "ka", "き": "ki", "く": "ku", "け": "ke", "こ": "ko",
    "が": "ga", "ぎ": "gi", "ぐ": "gu", "げ": "ge", "ご": "go", "さ": "sa", "し": "shi", "す": "su", "せ": "se",
    "そ": "so", "ざ": "za", "じ": "ji", "ず": "zu", "ぜ": "ze", "ぞ": "zo", "た": "ta", "ち": "chi", "つ": "tsu",
    "て": "te", "と": "to", "だ": "da", "で": "de", "ど": "do", "な": "na", "に": "ni", "ぬ": "nu", "ね": "ne",
    "の": "no", "は": "ha", "ひ": "hi", "ふ": "fu", "へ": "he", "ほ": "ho", "ば": "ba", "び": "bi", "ぶ": "bu",
    "べ": "be", "ぼ": "bo", "ぱ": "pa", "ぴ": "pi", "ぷ": "pu", "ぺ": "pe", "ぽ": "po", "ま": "ma", "み": "mi",
    "む": "mu", "め": "me", "も": "mo", "や": "ya", "ゆ": "yu", "よ": "yo", "ら": "ra", "り": "ri", "る": "ru",
    "れ": "re", "ろ": "ro", "わ": "wa", "きゃ": "kya", "きょ": "kyo", "しゃ": "sha", "しゅ": "shu", "しょ": "sho",
    "ちゃ": "cha", "ちゅ": "chu", "ちょ": "cho", "じゃ": "ja", "じょ": "jo", "りょ": "ryo", "にゅ": "nyu",
}
CONSONANT_START = [k for k, v in HEPBURN.items() if v[0] not in "aiueoy" and v[0] != "n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(sorted(HEPBURN)), min_size=1, max_size=8),
       st.lists(st.sampled_from(CONSONANT_START), min_size=1, max_size=3))
def test_hepburn_reads_back_as_the_kana_it_was_typed_from(syllables, tail):
    """Any run of syllables, with ん before a consonant and a small っ before a doubled consonant (but
    e after an e-syllable: 'meeru' is read as the loanword's long e, めーる)."""
    from hypothesis import assume

    assume(not any(b == "え" and HEPBURN[a].endswith("e") and len(HEPBURN[a]) > 1
                   for a, b in zip(syllables, syllables[1:])))
    kana = "".join(syllables) + "ん" + tail[0] + "っ" + "".join(tail[1:] or tail)
    romaji = "".join(HEPBURN[s] for s in syllables) + "n" + HEPBURN[tail[0]]
    following = tail[1:] or tail
    first = HEPBURN[following[0]]
    romaji += ("t" if first.startswith("ch") else first[0]) + "".join(HEPBURN[s] for s in following)
    assert romaji_to_hiragana(romaji) == kana


@pytest.mark.parametrize("word, kana", [
    ("touroku", "とうろく"), ("dekinai", "できない"), ("meeru", "めーる"), ("kurikkaa", "くりっかあ"),
    ("shimbun", "しんぶん"), ("kon'nichiwa", "こんにちわ"), ("10pun", "10ぷん"), ("sya", "しゃ"), ("tu", "つ"),
])
def test_the_usual_spellings_read_as_kana(word, kana):
    assert romaji_to_hiragana(word) == kana


@pytest.mark.parametrize("word", ["chrome", "password", "app", "xyz", "login2x"])
def test_a_word_that_is_not_romaji_is_not_read(word):
    assert romaji_to_hiragana(word) is None


@pytest.fixture(scope="module")
def engine():
    return get_engine()


@pytest.mark.parametrize("question, topic", [
    ("koushin no kigen itsu made?", "F20"),
    ("toiawase saki no denwa bangou oshiete", "F25"),
    ("touroku sugu owaru? 10pun de ikeru?", "F22"),
    ("home gamen ni tsuika dekiru? app mitai ni shitai", "F24"),
    ("password wasureta", "F14"),
])
def test_a_question_in_romaji_is_offered_its_topic_first(engine, question, topic):
    reply = engine.ask(question, holdout=question)
    assert reply.kind in ("answer", "suggest") and reply.top_faq_id == topic


@pytest.mark.parametrize("question", [
    "Can I use iPhone?", "I forgot my password", "where is the login page",
])
def test_english_is_not_read_as_romaji(engine, question):
    assert engine.unromaji(question) == question


def test_another_services_name_stays_as_typed_and_is_never_answered(engine):
    assert engine.unromaji("PayPay no QR yomenai") == "PayPay の QR よめない"
    assert engine.ask("PayPay no QR yomenai").kind != "answer"


def test_a_question_read_from_romaji_is_offered_never_answered(engine):
    """A guess at what the letters stood for, as with katakana (r20b C7)."""
    assert engine.ask("pasuwaado wasureta").kind != "answer"


@pytest.mark.parametrize("question", [
    "ｊｉｋｏ ｏｋｏｓｈｉｔａ",  # full-width letters (r20d 1)
    "jiko 起こした", "車 butsuketa",  # one romaji word next to Japanese (r20d 2)
    "hito wo hanete shimatta",  # r20d 3
    "kuruma butsuketa", "jiko okoshita",
])
def test_an_accident_typed_in_romaji_gets_the_accident_line(engine, question):
    from clickar.help import scope

    reply = engine.ask(question)
    assert reply.kind == "handoff" and reply.reason == scope.ACCIDENT and "0120-256-110" in reply.answer_html


def test_a_latin_name_next_to_japanese_is_not_taken_for_romaji(engine):
    """iPhone, Safari, Chrome stay as typed, and a question about them can still be answered."""
    for question in ("iPhoneで使える？", "Safariで開けない", "Chromeで開けない"):
        assert engine.unromaji(question) == question
    assert engine.ask("iPhoneで使える？").kind == "answer"
