"""The AIチャット engine: retrieval over the knowledge base, and knowing when not to answer.

Pure Python, no Flask.  ``get_engine().ask("メールこない")`` returns a
``Reply`` whose ``to_json()`` is what GET /help/chat/api answers.

How a question is handled
-------------------------
1. Out of scope (accidents, claims, cancellation, other products, weather,
   small talk) → ``handoff`` with the agency's and insurer's contacts, and the
   accident line first for accidents.  This runs before retrieval, so an
   accident question can never get a registration answer.
2. Retrieval: BM25F over each topic's title, keywords and answer (weighted),
   on fugashi/unidic-lite lemmas after synonym rewriting, plus BM25 over
   katakana-reading character n-grams so typos and kana spellings still land.
3. Decision: a clear, well-covered winner → ``answer``; a few plausible
   topics → ``suggest`` (up to 3 to pick from); nothing good → ``handoff``.
"""

from __future__ import annotations

import html
import math
import os
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from . import kb as kbmod
from . import scope
from .text import Analysis, KanaDictionary, analyse, char_ngrams, normalize, tokenize, to_katakana

DEFAULT_INSURER = "損保ジャパン"


# --------------------------------------------------------------------------
# contacts shown on a handoff


@dataclass(frozen=True)
class Contacts:
    agency_name: str = "ご契約の取扱代理店（保険証券・チラシに記載）"
    agency_phone: str | None = None
    insurer_name: str = DEFAULT_INSURER
    insurer_phone: str | None = "0120-888-089"
    insurer_phone_label: str = "カスタマーセンター"
    accident_name: str = "事故サポートセンター"
    accident_phone: str | None = "0120-256-110"
    accident_hours: str = "24時間365日"

    @classmethod
    def coerce(cls, value: "Contacts | Mapping[str, Any] | None", insurer_name: str | None = None) -> "Contacts":
        if isinstance(value, Contacts):
            return value
        data = {k: v for k, v in dict(value or {}).items() if k in cls.__dataclass_fields__ and v}
        if insurer_name and "insurer_name" not in data:
            data["insurer_name"] = insurer_name
        if data.get("insurer_name", DEFAULT_INSURER) != DEFAULT_INSURER:
            # the default numbers are 損保ジャパン's: never show them for another insurer
            data.setdefault("insurer_phone", None)
            if "accident_phone" not in data:
                data["accident_phone"] = None
                data.setdefault("accident_name", f"{data['insurer_name']}の事故受付窓口（保険証券に記載）")
        return cls(**data)

    # plain-text forms used inside knowledge-base answers
    def agency_text(self) -> str:
        return f"{self.agency_name}（{self.agency_phone}）" if self.agency_phone else self.agency_name

    def insurer_text(self) -> str:
        if self.insurer_phone:
            return f"{self.insurer_name} {self.insurer_phone_label}（{self.insurer_phone}）"
        return self.insurer_name

    def accident_text(self) -> str:
        if not self.accident_phone:
            return self.accident_name
        return f"{self.accident_name}（{self.accident_phone}・{self.accident_hours}）"

    def placeholders(self) -> dict[str, str]:
        return {
            "insurer": self.insurer_name,
            "agency_name": self.agency_name,
            "agency_contact": self.agency_text(),
            "insurer_contact": self.insurer_text(),
            "accident_contact": self.accident_text(),
        }


# --------------------------------------------------------------------------
# the reply


@dataclass
class Reply:
    kind: str  # 'answer' | 'suggest' | 'handoff'
    faq_id: str | None
    candidates: list[dict[str, str]]
    answer_html: str
    # not part of the JSON: why we handed off (for the unanswered-questions log)
    reason: str | None = None
    score: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "faq_id": self.faq_id,
            "candidates": [dict(c) for c in self.candidates],
            "answer_html": self.answer_html,
        }

    @property
    def top_faq_id(self) -> str | None:
        """The topic the engine ranks first (for answer and suggest)."""
        if self.faq_id:
            return self.faq_id
        return self.candidates[0]["faq_id"] if self.candidates else None


# --------------------------------------------------------------------------
# BM25F


class BM25F:
    """BM25F over a handful of weighted fields (Robertson & Zaragoza 2009)."""

    def __init__(
        self,
        docs: list[dict[str, list[str]]],
        weights: Mapping[str, float],
        b: Mapping[str, float],
        k1: float = 1.2,
        idf_fields: Iterable[str] | None = None,
    ) -> None:
        self.weights = dict(weights)
        self.b = dict(b)
        self.k1 = k1
        self.n = len(docs)
        self.tf: list[dict[str, Counter]] = []
        self.lengths: list[dict[str, int]] = []
        # document frequency: by default over all fields; with idf_fields, a
        # term's rarity is judged where it is a topic's subject (title,
        # keywords), since long answers mention nearly every word somewhere
        df: Counter = Counter()
        df_all: Counter = Counter()
        head = tuple(idf_fields) if idf_fields else tuple(self.weights)
        for doc in docs:
            fields = {f: Counter(doc.get(f, ())) for f in self.weights}
            self.tf.append(fields)
            self.lengths.append({f: sum(c.values()) for f, c in fields.items()})
            df_all.update({t for c in fields.values() for t in c})
            df.update({t for f in head for t in fields[f]})
        for t, d in df_all.items():
            df.setdefault(t, d)
        self.avg = {
            f: (sum(l[f] for l in self.lengths) / self.n) or 1.0 for f in self.weights
        }
        self.idf = {t: math.log(1 + (self.n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        # per doc: term -> pseudo term frequency (weighted, length normalised)
        self.wtf: list[dict[str, float]] = []
        for fields, lengths in zip(self.tf, self.lengths):
            acc: dict[str, float] = {}
            for f, counts in fields.items():
                norm = 1 - self.b[f] + self.b[f] * lengths[f] / self.avg[f]
                for t, c in counts.items():
                    acc[t] = acc.get(t, 0.0) + self.weights[f] * c / norm
            self.wtf.append(acc)

    def scores(self, query: Iterable[str]) -> list[float]:
        q = Counter(query)
        out = []
        for acc in self.wtf:
            s = 0.0
            for t, qc in q.items():
                w = acc.get(t)
                if w:
                    s += self.idf[t] * w / (self.k1 + w) * (1 + math.log(qc))
            out.append(s)
        return out

    def known(self, term: str) -> bool:
        return term in self.idf


# --------------------------------------------------------------------------
# the engine


@dataclass
class Ranked:
    topic: kbmod.Topic
    score: float
    word: float
    gram: float
    coverage: float  # share of the question's known terms this topic contains


class ChatEngine:
    # field weights: a word in a title or keyword says more than one in an answer
    WORD_WEIGHTS = {"title": 3.0, "keywords": 2.0, "answer": 0.5}
    WORD_B = {"title": 0.5, "keywords": 0.5, "answer": 0.75}
    GRAM_WEIGHTS = {"head": 1.0, "answer": 0.3}
    GRAM_B = {"head": 0.5, "answer": 0.75}
    GRAM_FACTOR = 0.25  # how much the n-gram channel counts next to words

    # decision thresholds
    ANSWER_MIN = 4.0  # combined score needed to answer directly
    ANSWER_MARGIN = 1.45  # top score / runner-up needed to answer directly
    ANSWER_COVERAGE = 0.5  # the topic must contain this share of the known terms
    MAX_QUESTION_CHARS = 500  # longer input is cut: a chat question, not an essay
    UNKNOWN_TERM_WEIGHT = 1.0  # weight of a question word the knowledge base never uses
    SUGGEST_MIN = 1.6  # below this, nothing is close enough: hand off
    SUGGEST_RATIO = 0.55  # candidates within this share of the top score

    def __init__(
        self,
        topics: list[kbmod.Topic],
        insurer_name: str = DEFAULT_INSURER,
        contacts: Contacts | Mapping[str, Any] | None = None,
        topic_url: str = "/help/chat?faq={faq_id}",
    ) -> None:
        if not topics:
            raise kbmod.KnowledgeBaseError("the knowledge base is empty")
        self.topics = list(topics)
        self.by_id = {t.id: t for t in self.topics}
        self.insurer_name = insurer_name
        self.contacts = Contacts.coerce(contacts, insurer_name)
        self.topic_url = topic_url
        self._build()

    @classmethod
    def from_directory(cls, path: str | Path | None = None, **kwargs: Any) -> "ChatEngine":
        return cls(kbmod.load_topics(path), **kwargs)

    # -- index -------------------------------------------------------------

    def _build(self) -> None:
        # the kana dictionary is learnt from the knowledge base itself
        self.kana = KanaDictionary()
        for t in self.topics:
            for phrase in (t.title, *t.keywords):
                toks = tokenize(phrase)
                reading = "".join(to_katakana(x.kana) for x in toks)
                if all(x.pos1 not in ("補助記号", "助詞", "助動詞") for x in toks):
                    self.kana.add(reading, phrase)
                for x in toks:
                    if x.pos1 == "名詞" and x.pos2 not in ("数詞",):
                        self.kana.add(x.kana, x.surface)
            for x in tokenize(t.plain_answer):
                if x.pos1 == "名詞" and x.pos2 not in ("数詞",) and len(x.surface) >= 2:
                    self.kana.add(x.kana, x.surface)

        word_docs, gram_docs = [], []
        for t in self.topics:
            title = analyse(t.title)
            keywords = [analyse(k) for k in t.keywords]
            answer = analyse(kbmod.fill(t.plain_answer, self.contacts.placeholders()))
            word_docs.append(
                {
                    "title": list(title.terms),
                    "keywords": [term for k in keywords for term in k.terms],
                    "answer": list(answer.terms),
                }
            )
            head = char_ngrams(title.reading) + [g for k in keywords for g in char_ngrams(k.reading)]
            gram_docs.append({"head": head, "answer": char_ngrams(answer.reading)})
        self.words = BM25F(word_docs, self.WORD_WEIGHTS, self.WORD_B, idf_fields=("title", "keywords"))
        self.grams = BM25F(gram_docs, self.GRAM_WEIGHTS, self.GRAM_B)
        self._doc_terms = [
            set(d["title"]) | set(d["keywords"]) | set(d["answer"]) for d in word_docs
        ]

    # -- retrieval ---------------------------------------------------------

    def analyse(self, question: str) -> Analysis:
        return analyse(question, self.kana)

    def rank(self, question: str | Analysis) -> list[Ranked]:
        a = question if isinstance(question, Analysis) else self.analyse(question)
        word_scores = self.words.scores(a.terms)
        gram_scores = self.grams.scores(char_ngrams(a.reading)) if a.reading else [0.0] * len(self.topics)
        known = [t for t in set(a.terms) if self.words.known(t)]
        unknown = len(set(a.terms)) - len(known)
        # words the knowledge base never uses still count against coverage:
        # "名義変更したい" must not be answered as if it were about 変更 alone
        known_mass = (sum(self.words.idf[t] for t in known) + self.UNKNOWN_TERM_WEIGHT * unknown) or 1.0
        ranked = []
        for i, topic in enumerate(self.topics):
            cover = sum(self.words.idf[t] for t in known if t in self._doc_terms[i]) / known_mass
            score = word_scores[i] + self.GRAM_FACTOR * gram_scores[i]
            ranked.append(Ranked(topic, score, word_scores[i], gram_scores[i], cover if known else 0.0))
        ranked.sort(key=lambda r: (-r.score, r.topic.id))
        return ranked

    # -- answering ---------------------------------------------------------

    def ask(self, question: str, contacts: Contacts | Mapping[str, Any] | None = None) -> Reply:
        who = Contacts.coerce(contacts, self.insurer_name) if contacts is not None else self.contacts
        question = (question or "")[: self.MAX_QUESTION_CHARS]
        a = self.analyse(question)
        if not a.text:
            return self._suggest([self.by_id[i] for i in ("F04", "F09", "F14") if i in self.by_id],
                                 lead="ご質問を入力してください。よくあるご質問はこちらです。", reason="empty")
        category = scope.detect(normalize(question))
        if category:
            return self.handoff(category, who)
        ranked = self.rank(a)
        top = ranked[0]
        if top.score < self.SUGGEST_MIN:
            return self.handoff("unknown", who, score=top.score)
        second = ranked[1].score if len(ranked) > 1 else 0.0
        if (
            top.score >= self.ANSWER_MIN
            and top.score >= self.ANSWER_MARGIN * max(second, 1e-9)
            and top.coverage >= self.ANSWER_COVERAGE
        ):
            return self.answer_for(top.topic.id, who, score=top.score)
        picks = [r.topic for r in ranked[:3] if r.score >= self.SUGGEST_RATIO * top.score and r.score >= self.SUGGEST_MIN]
        return self._suggest(picks, score=top.score)

    def answer_for(
        self, faq_id: str, contacts: Contacts | Mapping[str, Any] | None = None, score: float = 0.0
    ) -> Reply:
        """The answer for one topic (also used when a person picks a suggestion)."""
        topic = self.by_id[faq_id]
        who = Contacts.coerce(contacts, self.insurer_name) if contacts is not None else self.contacts
        body = kbmod.render_markdown(kbmod.fill(topic.answer, who.placeholders()))
        answer_html = (
            f'<section class="chat-answer" data-faq-id="{html.escape(topic.id)}">'
            f'<h3 class="chat-answer-title">{html.escape(topic.title)}</h3>'
            f"{body}{kbmod.render_links(topic.links)}</section>"
        )
        return Reply("answer", topic.id, [], answer_html, score=score)

    def suggest(self, faq_ids: Iterable[str]) -> Reply:
        """A suggestion of these topics (a chat history read back, for one)."""
        return self._suggest([self.by_id[i] for i in faq_ids if i in self.by_id])

    def _suggest(self, topics: list[kbmod.Topic], lead: str | None = None,
                 reason: str | None = None, score: float = 0.0) -> Reply:
        lead = lead or "お知りになりたいのは、次のどれですか？"
        items = "".join(
            f'<li><a href="{html.escape(self.topic_url.format(faq_id=t.id))}" data-faq-id="{html.escape(t.id)}">'
            f"{html.escape(t.title)}</a></li>"
            for t in topics
        )
        answer_html = f'<section class="chat-suggest"><p>{html.escape(lead)}</p><ul class="chat-candidates">{items}</ul></section>'
        return Reply(
            "suggest",
            None,
            [{"faq_id": t.id, "title": t.title} for t in topics],
            answer_html,
            reason=reason,
            score=score,
        )

    _HANDOFF_LEADS = {
        scope.ACCIDENT: "事故・故障のご連絡やご相談は、このチャットではお受けできません。すぐに下記の事故受付へお電話ください。",
        scope.CLAIM: "保険金のご請求や補償の内容については、このチャットではご案内できません。下記へお問い合わせください。",
        scope.CANCELLATION: "ご契約の解約については、このチャットではお受けできません。取扱代理店へお問い合わせください。",
        scope.OTHER_PRODUCT: "このチャットでは、自動車保険のマイページ会員登録・ログイン・更新のお手続きについてご案内しています。ほかの保険については下記へお問い合わせください。",
        scope.CONTRACT_CHANGE: "ご契約の内容やその変更については、このチャットではお答えできません。取扱代理店へお問い合わせください。",
        scope.WEATHER: "申し訳ありません。このチャットでは、マイページ会員登録・ログイン・更新のお手続きについてご案内しています。",
        scope.CHITCHAT: "このチャットでは、マイページ会員登録・ログイン・更新のお手続きについてご案内しています。お困りのことを入力してください。",
        "unknown": "申し訳ありません。ご質問にお答えできる情報が見つかりませんでした。言葉を変えてもう一度ご質問いただくか、下記へお問い合わせください。",
    }

    def handoff(self, reason: str, contacts: Contacts | None = None, score: float = 0.0) -> Reply:
        who = contacts or self.contacts
        e = html.escape
        lead = self._HANDOFF_LEADS.get(reason, self._HANDOFF_LEADS["unknown"])

        def phone(number: str | None) -> str:
            if not number:
                return ""
            return f' <a href="tel:{e(number.replace("-", ""))}">{e(number)}</a>'

        accident = (
            f'<li class="chat-contact chat-contact-accident"><strong>事故のご連絡</strong>：'
            f"{e(who.accident_name)}{phone(who.accident_phone)}"
            + (f"（{e(who.accident_hours)}）" if who.accident_phone else "")
            + "</li>"
        )
        agency = (
            f'<li class="chat-contact"><strong>取扱代理店</strong>：{e(who.agency_name)}{phone(who.agency_phone)}</li>'
        )
        insurer_label = f" {e(who.insurer_phone_label)}" if who.insurer_phone else ""
        insurer = (
            f'<li class="chat-contact"><strong>引受保険会社</strong>：{e(who.insurer_name)}{insurer_label}{phone(who.insurer_phone)}</li>'
        )
        if reason == scope.ACCIDENT:
            items = accident + agency + insurer
            extra = "<p>おけがをされた方がいる場合は119番、事故は警察（110番）へのご連絡もお忘れなく。</p>"
        else:
            items = agency + insurer + accident
            extra = ""
        answer_html = (
            f'<section class="chat-handoff" data-reason="{e(reason)}"><p>{e(lead)}</p>{extra}'
            f'<ul class="chat-contacts">{items}</ul></section>'
        )
        return Reply("handoff", None, [], answer_html, reason=reason, score=score)


# --------------------------------------------------------------------------
# the process-wide engine

_engine: ChatEngine | None = None
_engine_lock = threading.Lock()


def get_engine() -> ChatEngine:
    """The engine over the bundled knowledge base, built once per process.

    The insurer's name comes from CLICKAR_INSURER_NAME (default 損保ジャパン);
    per-request contacts (the member's agency) are passed to ``ask``.
    """
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                insurer = os.environ.get("CLICKAR_INSURER_NAME") or DEFAULT_INSURER
                _engine = ChatEngine.from_directory(insurer_name=insurer)
    return _engine
