"""Mask personal data in chat questions before they are logged for staff.

``mask_personal_data(text)`` replaces

* mail addresses                       → ［メールアドレス］
* phone numbers (0X0-XXXX-XXXX, 03-…, +81 …, 10–11 digits) → ［電話番号］
* policy numbers (8–12 letters and digits, with at least one digit)
                                        → ［証券番号］
  This is a detector for free text, not clickar.identity's 証券番号 rule (6–20
  letters and digits, which validates a field): the insurer's numbers are 8–12
  long (SJ24000101), and the wider rule would turn process ids, member ids,
  device names (Pixel7), dates and amounts in logs and in the member's own chat
  history into ［証券番号］ (outside review of issue 16, r16b).
* the name in front of さん / 様 / さま / 殿 → ［氏名］さん

Full-width letters and digits are folded to ASCII first so ｙａｍａｄａ＠… and
０９０… are caught too.  It errs on the side of masking: a staff member
reading the log loses a word now and then, a customer never loses privacy.
"""

from __future__ import annotations

import re

MAIL = "［メールアドレス］"
PHONE = "［電話番号］"
POLICY = "［証券番号］"
NAME = "［氏名］"

# full-width ASCII (！ to ～) → ASCII, ideographic space → space
_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20
# ［ ］ stay: they frame this module's own placeholders, so masking twice changes nothing
del _FOLD[0xFF3B], _FOLD[0xFF3D]

_MAIL_RE = re.compile(
    r"[A-Za-z0-9._%+\-]+\s*[@＠]\s*[A-Za-z0-9\-]+(?:\s*\.\s*[A-Za-z0-9\-]+)+"
)

_DASH = r"[\-‐‑‒–—―−ー－]"
_PHONE_RE = re.compile(
    r"(?<![A-Za-z0-9])"
    r"(?:"
    r"(?:\+81|0081)" + _DASH + r"?\s?\(?0?\d{1,4}\)?" + _DASH + r"?\s?\d{1,4}" + _DASH + r"?\s?\d{3,4}"
    r"|\(?0\d{1,4}\)?\s?" + _DASH + r"?\s?\d{1,4}\s?" + _DASH + r"\s?\d{3,4}"  # with separators
    r"|0\d{9,10}"  # 10–11 digits in a row
    r")"
    r"(?![A-Za-z0-9])"
)

# letters/digits and hyphens, 8–12 alphanumerics in all, at least one digit
_POLICY_RE = re.compile(r"(?<![A-Za-z0-9\-])[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){6,15}(?![A-Za-z0-9\-])")

# a name is the run of kanji / katakana / latin letters (spaces allowed inside)
# right before an honorific; if there is none, up to 6 hiragana
_HONORIFIC = r"(?:さん|様|さま|サマ|殿|どの|くん|君|ちゃん)"
_NAME_CHARS = r"[一-龥々〆ヵヶァ-ヺー・A-Za-z]"
_NAME_RE = re.compile(
    r"(" + _NAME_CHARS + r"(?:[ ]?" + _NAME_CHARS + r"){0,15}|[ぁ-ゖ]{2,6})(?=[ ]?" + _HONORIFIC + r")"
)
# words before さん/様 that are not names
_NOT_NAMES = frozenset(
    {
        "皆", "みな", "皆々", "お客", "客", "お客さ", "担当", "担当者", "代理店", "会社", "保険会社",
        "奥", "お父", "お母", "お兄", "お姉", "おじい", "おばあ", "お子", "子供", "家族", "ご家族",
        "上", "王", "神", "仏", "あなた", "貴方", "みなさ", "会員", "会員の皆", "お医者",
    }
)


def _policy(m: re.Match) -> str:
    token = m.group(0)
    alnum = token.replace("-", "")
    if 8 <= len(alnum) <= 12 and any(c.isdigit() for c in alnum):
        return POLICY
    return token


def _name(m: re.Match) -> str:
    word = m.group(1)
    if word in _NOT_NAMES or word.strip() in _NOT_NAMES:
        return word
    return NAME


def mask_personal_data(text: str) -> str:
    if not text:
        return ""
    t = text.translate(_FOLD)
    t = _MAIL_RE.sub(MAIL, t)
    t = _PHONE_RE.sub(PHONE, t)
    t = _POLICY_RE.sub(_policy, t)
    t = _NAME_RE.sub(_name, t)
    return t
