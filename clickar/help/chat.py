"""The conversation around the engine: questions, picks, history, はい/いいえ.

No Flask here (the views pass the session as a plain mapping and the secret
key as a string). The engine answers; this module decides what is kept:

- history: the last few exchanges in the session, each question masked and
  cut short, the reply kept as a reference (topic, candidates or reason) and
  re-rendered from the engine when shown;
- the log: unanswered questions and votes, masked (log.py);
- votes: each answer carries a signed token naming the exchange, the topic
  and the masked question, so いいえ can be logged without storing anything
  when the answer is shown.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from typing import Any, Mapping, MutableMapping

from itsdangerous import BadSignature, URLSafeSerializer

from . import log
from .engine import MOVED, ChatEngine, Contacts, Reply, get_engine
from .text import normalize
from ..ops.masking import mask_personal_data

MAX_QUESTION_CHARS = 200
HISTORY_KEY = "help_chat"
HISTORY_SIZE = 4  # exchanges kept for the page without JavaScript
HISTORY_QUESTION_CHARS = 60  # the session cookie stays small
TOKEN_SALT = "clickar-help-feedback"

EMPTY = "ご質問を入力してください。"
TOO_LONG = f"ご質問は{MAX_QUESTION_CHARS}文字以内で入力してください。"

logger = logging.getLogger(__name__)


class QuestionError(ValueError):
    """A question the chat cannot take; .message is the customer's Japanese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def clean_question(raw: Any) -> str:
    """The question as typed, trimmed; QuestionError when empty or too long."""
    text = raw if isinstance(raw, str) else ""
    text = " ".join(text.replace("\x00", "").split())
    if not text:
        raise QuestionError(EMPTY)
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(TOO_LONG)
    return text


def contacts_for(agency: tuple[str, str] | None, insurer_name: str) -> dict[str, str]:
    """Handoff contacts: the member's agency when known, the insurer from the settings."""
    contacts = {"insurer_name": insurer_name}
    if agency and agency[0]:
        contacts["agency_name"] = agency[0]
        if agency[1]:
            contacts["agency_phone"] = agency[1]
    return contacts


# ------------------------------------------------------------------ exchanges

@dataclass
class Exchange:
    """One question and its reply, as shown in the chat log."""

    id: str
    question: str  # what the person typed (masked and short when read back from the session)
    reply: Reply
    picked: bool = False  # the person chose a suggested topic instead of typing
    feedback: str | None = None
    vote_question: str = ""  # the masked question a いいえ is logged with
    token: str = ""  # signed vote token, set by the view (feedback_token)
    stream_url: str = ""  # the optional model's summary (llm.py), set by the view
    alternatives_below: bool = False  # いいえ, and the next exchange holds the next topics (history)

    @property
    def kind(self) -> str:
        return self.reply.kind

    @property
    def is_alternatives(self) -> bool:
        """The next topics after a いいえ (alternatives())."""
        return self.reply.kind == "suggest" and self.reply.lead == NEXT_LEAD

    @property
    def wants_feedback(self) -> bool:
        return self.reply.kind == "answer"

    def to_session(self) -> dict[str, Any]:
        r = self.reply
        ref = r.faq_id if r.kind == "answer" else (
            ",".join(c["faq_id"] for c in r.candidates) if r.kind == "suggest" else r.reason)
        entry = {"i": self.id, "q": short(self.question), "k": r.kind[0], "r": ref or ""}
        if self.picked:
            entry["p"] = 1
        if r.kind == "suggest" and r.lead:
            entry["l"] = r.lead  # 「ご質問の内容を読み取れませんでした…」: read back as it was said
        if self.feedback:
            entry["f"] = self.feedback
        return entry


def short(question: str) -> str:
    text = mask_personal_data(question)
    return text if len(text) <= HISTORY_QUESTION_CHARS else text[:HISTORY_QUESTION_CHARS - 1] + "…"


def _new_id() -> str:
    return secrets.token_urlsafe(6)


def _who(engine: ChatEngine, contacts: Mapping[str, Any] | None) -> Contacts:
    return Contacts.coerce(contacts, engine.insurer_name)


def reply_to(question: str, contacts: Mapping[str, Any] | None = None,
             engine: ChatEngine | None = None, share: log.Share = None) -> Reply:
    """The engine's reply, logged when unanswered (and `share` allows). Never raises for a
    cleaned question."""
    engine = engine or get_engine()
    try:
        reply = engine.ask(question, contacts)
    except Exception:  # noqa: BLE001 - a broken topic must not cost a customer the contacts
        logger.exception("the help engine failed on a question")
        reply = engine.handoff("unknown", _who(engine, contacts))
    try:
        log.log_unanswered(question, reply, share)
    except Exception:  # noqa: BLE001 - the log is for staff; the person still gets the reply
        logger.exception("an unanswered question could not be logged")
    return reply


def ask(question: str, contacts: Mapping[str, Any] | None = None,
        engine: ChatEngine | None = None, share: log.Share = None) -> Exchange:
    reply = reply_to(question, contacts, engine, share)
    return Exchange(_new_id(), question, reply, vote_question=log.masked(question))


def pick(faq_id: str, contacts: Mapping[str, Any] | None = None, store: Mapping | None = None,
         engine: ChatEngine | None = None) -> Exchange | None:
    """A suggested topic the person chose (None for an unknown id)."""
    engine = engine or get_engine()
    topic = engine.by_id.get((faq_id or "").strip().upper())
    if topic is None:
        return None
    reply = engine.answer_for(topic.id, contacts)
    entries = list((store or {}).get(HISTORY_KEY) or [])
    return Exchange(_new_id(), topic.title, reply, picked=True,
                    vote_question=_asked_before(entries, topic.id, topic.title))


def _asked_before(entries: list, faq_id: str, title: str) -> str:
    """A いいえ on a picked topic is logged with the question whose suggestions held it."""
    for entry in reversed(entries):
        if isinstance(entry, dict) and entry.get("k") == "s" and faq_id in str(entry.get("r", "")).split(","):
            return str(entry.get("q", ""))
    return f"（候補から選択）{title}"


# ------------------------------------------------------------------ history

def remember(store: MutableMapping, exchange: Exchange) -> None:
    """Append to the session's history, keeping the last HISTORY_SIZE."""
    entries = [e for e in (store.get(HISTORY_KEY) or []) if isinstance(e, dict)]
    if exchange.picked and entries and entries[-1].get("p") and entries[-1].get("r") == exchange.reply.faq_id:
        return  # the same pick again (reload): nothing new to read
    entries.append(exchange.to_session())
    store[HISTORY_KEY] = entries[-HISTORY_SIZE:]


def forget(store: MutableMapping) -> None:
    store.pop(HISTORY_KEY, None)


def history(store: Mapping, contacts: Mapping[str, Any] | None = None,
            engine: ChatEngine | None = None) -> list[Exchange]:
    """The remembered exchanges, their replies re-rendered for these contacts."""
    engine = engine or get_engine()
    out = []
    entries = list(store.get(HISTORY_KEY) or [])
    for n, entry in enumerate(entries):
        try:
            exchange = _restore(entry, engine, contacts)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue  # an entry from an older version: skip it, never fail the page
        if exchange is None:
            continue
        if exchange.picked and exchange.reply.faq_id:
            exchange.vote_question = _asked_before(entries[:n], exchange.reply.faq_id, exchange.question)
        out.append(exchange)
    for voted, nxt in zip(out, out[1:]):
        # without JavaScript the page reloads at the next topics: who to phone goes there, under
        # them, not above on the answer voted down (out of view)
        voted.alternatives_below = voted.feedback == log.ChatLog.DOWN and nxt.is_alternatives
    return out


def _restore(entry: dict, engine: ChatEngine, contacts) -> Exchange | None:
    kind, ref = entry["k"], str(entry.get("r") or "")
    if kind == "a":
        if ref not in engine.by_id:
            return None
        reply = engine.answer_for(ref, contacts)
    elif kind == "s":
        reply = engine.suggest(ref.split(","))
        if not reply.candidates:
            return None
        reply.lead = str(entry.get("l") or "")
    elif kind == "h":
        reply = engine.handoff(ref or "unknown", _who(engine, contacts))
    else:
        return None
    if kind in "sh" and MOVED.search(normalize(str(entry.get("q", "")))):
        reply = engine.profile_change_link(reply)  # as ChatEngine.ask added it
    return Exchange(str(entry["i"]), str(entry.get("q", "")), reply, picked=bool(entry.get("p")),
                    feedback=entry.get("f"), vote_question=str(entry.get("q", "")))


def mark_voted(store: MutableMapping, exchange_id: str, vote: str) -> None:
    entries = list(store.get(HISTORY_KEY) or [])
    for entry in entries:
        if isinstance(entry, dict) and entry.get("i") == exchange_id:
            entry["f"] = vote
    if entries:
        store[HISTORY_KEY] = entries


# ------------------------------------------------------------------ votes

def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=TOKEN_SALT)


def feedback_token(exchange: Exchange, secret: str) -> str:
    """Signed {exchange, topic, masked question}: what a いいえ is logged with."""
    return _serializer(secret).dumps({"x": exchange.id, "f": exchange.reply.faq_id,
                                      "q": log.masked(exchange.vote_question)})


@dataclass
class Vote:
    exchange_id: str
    faq_id: str
    question_masked: str
    vote: str
    recorded: bool = field(default=False)


def read_vote(token: Any, vote: Any, secret: str) -> Vote | None:
    """The vote a form carries, or None when the token or the vote is not ours."""
    if not isinstance(token, str) or vote not in log.VOTES or len(token) > 2000:
        return None
    try:
        data = _serializer(secret).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("x", "f", "q")):
        return None
    return Vote(data["x"], data["f"], data["q"], vote)


def record_vote(vote: Vote, store: MutableMapping, share: log.Share = None) -> Vote:
    vote.recorded = log.log_vote(vote.exchange_id, vote.faq_id, vote.vote, vote.question_masked, share)
    mark_voted(store, vote.exchange_id, vote.vote)
    return vote


NEXT_LEAD = "では、次のどれかでしょうか？"


def alternatives(vote: Vote, engine: ChatEngine | None = None) -> Exchange | None:
    """After いいえ on an answer: the next candidates for the same question (up to 3)."""
    engine = engine or get_engine()
    if vote.vote != log.ChatLog.DOWN or vote.faq_id not in engine.by_id:
        return None
    question = vote.question_masked
    if not question or question.startswith("（候補から選択）"):
        question = engine.by_id[vote.faq_id].title
    try:
        ranked = engine.rank(question)
    except Exception:  # noqa: BLE001 - the thanks is shown anyway
        logger.exception("the help engine failed on a down-voted question")
        return None
    picks = [r.topic for r in ranked if r.topic.id != vote.faq_id][:3]
    if not picks:
        return None
    reply = engine._suggest(picks, lead=NEXT_LEAD, reason="down")
    return Exchange(_new_id(), "いいえ・ほかの回答を見る", reply, vote_question=question)


# ------------------------------------------------------------------ the optional model (llm.py)

SUMMARY_SALT = "clickar-help-summary"
SUMMARY_MAX_AGE = 300  # seconds: the page asks for it right away


def summary_token(exchange: Exchange, secret) -> str:
    """Signed {topic, nonce}: what the model may be given is the topic, and nothing the person
    typed (masking works from shapes and cues: a name typed with no cue still goes through).
    The nonce makes it single-use (read_summary_token's caller spends it)."""
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(secret, salt=SUMMARY_SALT).dumps(
        {"f": exchange.reply.faq_id, "n": secrets.token_urlsafe(12)})


def read_summary_token(token: Any, secret) -> tuple[str, str] | None:
    """(faq_id, nonce), or None for a token that is not ours or too old."""
    from itsdangerous import URLSafeTimedSerializer

    if not isinstance(token, str) or len(token) > 2000:
        return None
    try:
        data = URLSafeTimedSerializer(secret, salt=SUMMARY_SALT).loads(token, max_age=SUMMARY_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("f", "n")):
        return None
    return data["f"], data["n"]


# ------------------------------------------------------------------ the member's own contracts

# topics whose answer depends on the member's contract: the deadline and start
# (F20), how to start renewing (F19) and the premium and its payment (F21)
PERSONAL_TOPICS = ("F19", "F20", "F21")


@dataclass
class ContractFacts:
    """What the chat may say about one of the signed-in member's contracts (never sent to the LLM)."""

    car_name: str
    policy_tail: str  # the last 4 characters of the policy number: enough to tell two apart
    opens: Any  # dt.date: the renewal period (受付期間)
    closes: Any
    starts: Any  # the renewed policy's start (保険始期 = the current 保険終期)
    state: str  # renewal.window BEFORE / OPEN / CLOSED
    renewal_url: str


def personalise(reply: Reply, facts: list[ContractFacts]) -> Reply:
    """Add the member's own contracts to a deadline / renewal / premium answer.

    The engine's answer stays as it is (the generic one signed out); this
    appends (to an answer, or to a suggestion whose first topic is one of
    these) one line per contract with its own renewal period and the link to
    its renewal, where the premium of the renewal is quoted.
    """
    faq_id = reply.top_faq_id if reply.kind in ("answer", "suggest") else None
    if reply.kind == "suggest" and (reply.note_html or reply.elsewhere):
        # a suggestion that may be out of scope (ペット保険ってありますか) names who can help, or one naming
        # another product or office (kasai hoken no kigen, 車検の期限): the member's renewal dates would
        # answer a question nobody asked (outside attack r20c C1, r20d)
        faq_id = None
    if faq_id not in PERSONAL_TOPICS or not facts or reply.personal_html:
        return reply
    import html as _html

    from ..jp import jdate

    e = _html.escape
    items = []
    for f in facts:
        if faq_id == "F20":
            state = {"open": "受付中", "before": "受付前", "closed": "受付終了"}.get(f.state, "")
            line = (f"更新の受付期間 {e(jdate(f.opens))}〜{e(jdate(f.closes))}（{state}）・"
                    f"新しい保険の始期 {e(jdate(f.starts))}")
        elif faq_id == "F21":
            line = "更新後の保険料は、更新のお手続きの「保険料の確認」でご契約ごとにご確認いただけます"
        else:
            line = f"更新の受付期間 {e(jdate(f.opens))}〜{e(jdate(f.closes))}"
        link = (f' <a href="{e(f.renewal_url)}">更新のお手続きへ</a>' if f.state == "open" else "")
        items.append(f'<li><strong>{e(f.car_name)}</strong>（証券番号 末尾{e(f.policy_tail)}）：{line}{link}</li>')
    block = ('<div class="chat-personal"><p class="chat-personal__title">あなたのご契約</p>'
             f'<ul class="chat-personal__list">{"".join(items)}</ul></div>')
    reply.personal_html = block
    reply.answer_html = reply.answer_html.replace("</section>", block + "</section>", 1)
    return reply
