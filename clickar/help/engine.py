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
import re
import math
import os
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from . import kb as kbmod
from . import scope
from ..ops.masking import fold, mask_personal_data
from .scope import OUT
from .classifier import NaiveBayes, SoftmaxClassifier
from .text import (Analysis, KanaDictionary, analyse, char_ngrams, normalize, romaji_to_hiragana, to_hiragana,
                   tokenize, to_katakana)

DEFAULT_INSURER = "損保ジャパン"


# --------------------------------------------------------------------------
# contacts shown on a handoff


# Something to read: a letter, kana, kanji or digit (not only symbols, emoji or U+FFFD).
READABLE_JAPANESE = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u4e00-\u9fff々]")
READABLE = re.compile(r"[0-9A-Za-z\u3041-\u3096\u30a1-\u30fa\u4e00-\u9fff\u3400-\u4dbf々]")
# A cry for help with no topic in it (after spaces and punctuation are dropped).
VAGUE = re.compile(r"(よく|全然|ぜんぜん|まったく|さっぱり)?(わから|分から|判ら|わかん)(ない|ん|ねえ|ねー|な)?"
                   r"|(助|たす)けて(ください|下さい)?|(教|おし)えて(ください|下さい)?|(困|こま)(った|ってます|っています)"
                   r"|どう(すれば|したら)(いい|よい)?(の|ですか|でしょうか)?")
# An address or phone number that changed (My Page's お客さま情報 takes it).
MOVED = re.compile(r"引っ?越|転居|(住所|電話番号|携帯番号|ケータイ番号|連絡先).{0,12}(変|ちが|違)")
PROFILE_CHANGE_URL = "/mypage/profile/change"
# What most people come for: registration, login, renewal (the rephrase and vague replies offer them).
COMMON_TOPICS = ("F04", "F17", "F19")

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


_SMALL_KANA = str.maketrans("ぁぃぅぇぉっゃゅょゎ", "あいうえおつやゆよわ")


def fold_kana(text: str) -> str:
    """Kana without dakuten and handakuten, small kana as large: a flick keyboard's slips
    (ろくいんかめんかとこ for ログイン画面がどこ, きやつしゆ) read like what was meant."""
    plain = unicodedata.normalize("NFD", text).replace("\u3099", "").replace("\u309a", "")
    return unicodedata.normalize("NFC", plain).translate(_SMALL_KANA)


def without_personal_data(question: str) -> str:
    """The question as the sentence model sees it: addresses, numbers and names left out
    (they say nothing about the topic, and an e-mail address pulls the vector off). Full-width
    letters and signs folded to ASCII, as the model has always been given them (masking itself
    now keeps the text as typed)."""
    return " ".join(re.sub(r"［[^］]*］", " ", fold(mask_personal_data(question))).split()) or question


SENTENCE_MIN_CHARS = 8  # shorter pieces of an answer ("例：", a lone link label) say too little


def answer_sentences(answer: str) -> list[str]:
    """An answer's sentences and list items, each a passage of its own for the sentence model."""
    pieces = (p.strip(" 　-・") for p in re.split(r"(?<=[。！？])|\n", answer))
    return [p for p in pieces if len(p) >= SENTENCE_MIN_CHARS]


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
    # not part of the JSON: the topics ranked after the ones shown (いいえ offers them)
    next_candidates: list[str] = field(default_factory=list)
    # a suggestion that may be out of scope also says who can help (in answer_html too)
    note_html: str = ""
    # signed in: the member's own contracts for a deadline / premium topic (chat.personalise)
    personal_html: str = ""
    # not part of the JSON: a suggestion's own first line when it is not the usual question
    lead: str = ""
    # not part of the JSON: the question names another service or product (火災保険, 車検 …): no member's
    # contract list goes with it (chat.personalise)
    elsewhere: bool = False

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
    passage: float = 0.0  # cosine with the topic's own text (sentence model)
    example: float = 0.0  # cosine with the nearest learnt example of this topic
    fused: float = 0.0  # the weighted sum the ranking uses
    out_sim: float = 0.0  # cosine with the nearest learnt out-of-scope example
    klass: float = 0.0  # the classifier's probability of this topic
    nb: float = 0.0  # the naive Bayes reader's probability of this topic (words and kana n-grams)
    out_p: float = 0.0  # the classifier's probability of "out of scope"
    out_kind: str = "unknown"  # which kind of out of scope, when the classifier can tell


class ChatEngine:
    # field weights: a word in a title or keyword says more than one in an answer
    WORD_WEIGHTS = {"title": 3.0, "keywords": 2.0, "answer": 0.5}
    WORD_B = {"title": 0.5, "keywords": 0.5, "answer": 0.75}
    GRAM_WEIGHTS = {"head": 1.0, "answer": 0.3}
    GRAM_B = {"head": 0.5, "answer": 0.75}
    GRAM_FACTOR = 0.25  # how much the n-gram channel counts next to words

    # decision thresholds
    ANSWER_MIN = 4.0  # combined score needed to answer directly
    LEX_ANSWER_RATIO = 1.45  # top score / runner-up needed to answer directly
    ANSWER_COVERAGE = 0.5  # the topic must contain this share of the known terms
    MAX_QUESTION_CHARS = 500  # longer input is cut: a chat question, not an essay
    UNKNOWN_TERM_WEIGHT = 1.0  # weight of a question word the knowledge base never uses
    SUGGEST_MIN = 1.6  # below this, nothing is close enough: hand off
    SUGGEST_RATIO = 0.55  # candidates within this share of the top score

    # fusion of the lexical and semantic sides, and the decision: calibrated on
    # the dev half, 10-fold cross-validated (`python -m bench.chat_eval --calibrate`;
    # figures in docs/help-chat.md).  Never fitted to the locked test half.
    W_LEX = 0.2  # BM25 relative to the best topic's BM25 ...
    LEX_FLOOR = 10.0  # ... or to this, when the best is weak
    W_PASSAGE = 0.0  # cosine with the topic's own text
    W_EXAMPLE = 1.0  # cosine with the nearest learnt example
    W_CLASS = 0.1  # the classifier's probability of the topic
    W_NB = 0.3  # naive Bayes over the words and kana letters people typed (its temperature: NB_TEMPERATURE)
    NB_TEMPERATURE = 10.0
    SEED_WEIGHT = 1.0  # a title or keyword counts like this many example questions
    # answer directly only when all of these hold (0 wrong answers on dev, with room)
    ANSWER_MARGIN = 0.2  # fused score ahead of the runner-up by this much
    ANSWER_CLASS = 0.95  # the classifier is this sure of the topic
    ANSWER_EXAMPLE = 0.88  # a learnt example of the topic is this close
    ANSWER_MAX_OUT = 0.2  # and not this likely to be out of scope
    # hand off when the classifier says "out of scope" and gives the topic little chance
    HANDOFF_OUT = 0.9
    HANDOFF_MAX_CLASS = 0.2
    HANDOFF_ACCIDENT_OUT = 0.5
    # ... but not when our own words point hard at the topic the fusion ranks first:
    # then suggest it (with who can help, since P(out) is high); accidents still hand off
    KEEP_LEX = 8.0
    KEEP_NB = 0.5
    # not one of our words and the classifier unsure of every topic: nothing to suggest
    HANDOFF_MAX_LEX = 1.0
    HANDOFF_MAX_CLASS_NO_WORDS = 0.2
    SUGGEST_NOTE_OUT = 0.5  # a suggestion also names who can help from this "out" probability
    SUGGEST_SPREAD = 0.6  # candidates within this fused score of the first (up to 3)

    def __init__(
        self,
        topics: list[kbmod.Topic],
        insurer_name: str = DEFAULT_INSURER,
        contacts: Contacts | Mapping[str, Any] | None = None,
        topic_url: str = "/help/chat?faq={faq_id}",
        examples: Iterable[tuple[str, str]] | None = None,
        semantic: "Any | None" = None,
    ) -> None:
        if not topics:
            raise kbmod.KnowledgeBaseError("the knowledge base is empty")
        self.topics = list(topics)
        self.by_id = {t.id: t for t in self.topics}
        self.insurer_name = insurer_name
        self.contacts = Contacts.coerce(contacts, insurer_name)
        self.topic_url = topic_url
        self._build()
        self.semantic = semantic
        self._example_lock = threading.Lock()
        self.examples: list[tuple[str, str]] = []
        if semantic is not None:
            self._build_semantic()
        self.add_examples(examples or ())

    @classmethod
    def from_directory(cls, path: str | Path | None = None, **kwargs: Any) -> "ChatEngine":
        return cls(kbmod.load_topics(path), **kwargs)

    # -- index -------------------------------------------------------------

    def _build(self) -> None:
        # the katakana words the knowledge base itself uses (パスワード, メール, ワンタイム …) and the common
        # loanwords: they stay katakana when a question is read as hiragana (unkatakana); a run starting
        # with one of 3+ letters does too (パスワードリセット)
        self._loanwords = self.LOANWORDS | frozenset(
            w for t in self.topics for field in (t.title, *t.keywords, t.answer)
            for w in self._KATA_RUN.findall(unicodedata.normalize("NFKC", field)) if len(w) >= 2)
        self._loan_starts = tuple(sorted(w for w in self._loanwords if len(w) >= 3))
        self._latin_words = frozenset(
            w for t in self.topics for field in (t.title, *t.keywords, t.answer)
            for w in self._LATIN.findall(normalize(field))) | {
                "qr", "id", "url", "ok", "pc", "iphone", "ipad", "android", "web", "pw", "otp", "sms", "gmail",
                "yahoo", "icloud", "docomo", "au", "mail", "login", "mypage", "clicker", "clickar"}
        # Latin words never read as romaji (unromaji): ours and the usual English
        self._not_romaji = self.ENGLISH | self._latin_words
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

    def _build_semantic(self) -> None:
        """Topic passages for the sentence model: title, title with keywords, the answer's start,
        and each sentence of the answer on its own (a question often matches one sentence of
        an answer, not its opening; the topic's passage score is the best of them)."""
        emb = self.semantic
        texts, owner = [], []
        for i, t in enumerate(self.topics):
            answer = kbmod.fill(t.plain_answer, self.contacts.placeholders()).strip()
            for text in (t.title, f"{t.title}：{'、'.join(t.keywords)}", f"{t.title}。{answer[:160]}",
                         *answer_sentences(answer)):
                texts.append(text)
                owner.append(i)
        self._passage_vecs = emb.cached(texts, "passage")
        self._passage_owner = np.asarray(owner)
        self._passage_texts = texts
        self._example_vecs = np.zeros((0, emb.dim), dtype=np.float32)
        self._example_labels = np.zeros(0, dtype=np.int64)  # topic index, or -1 for out of scope
        # the classifier's own samples: each topic's title and keywords as a
        # person might type them, and what is out of scope in general words
        seeds, labels = [], []
        for i, t in enumerate(self.topics):
            for text in (t.title, *t.keywords):
                seeds.append(text)
                labels.append(i)
        # classes: the topics, then each kind of out-of-scope question, then "out" in general
        self._kinds = list(scope.KINDS)
        for k, descriptions in enumerate(scope.KINDS.values()):
            for text in descriptions:
                seeds.append(text)
                labels.append(len(self.topics) + k)
        self._seed_vecs = emb.cached(seeds, "query")
        self._seed_labels = np.asarray(labels)
        self._classifier = None
        self._classifier_holdout: tuple[str | None, Any] = (None, None)
        # naive Bayes: the same seeds (topics only; it learns "out of scope" from examples)
        self._nb_vocabulary: dict[str, int] = {}
        self._example_feats: list[np.ndarray] = []
        self._nb_seeds = [(self._nb_ids(self.nb_features(text), grow=True), i)
                          for i, t in enumerate(self.topics) for text in (t.title, *t.keywords)]
        self._nb = None
        self._nb_holdout: tuple[Any, Any] = (None, None)

    def add_examples(self, examples: Iterable[tuple[str, str]]) -> int:
        """Learn from labelled questions: (question, 'F07') or (question, 'out').

        The sentence model compares a new question with these as well as with
        the topics' own text; the dev half of the evaluation set and the
        questions staff filed from the unanswered log come in here.
        """
        rows = [(q, label) for q, label in examples if q and (label == OUT or label in self.by_id)]
        rows = [r for r in rows if r not in set(self.examples)]
        if not rows:
            return 0
        index = {t.id: i for i, t in enumerate(self.topics)}
        with self._example_lock:
            self.examples.extend(rows)
            if self.semantic is not None:
                vecs = self.semantic.cached([q for q, _ in rows], "query")
                labels = np.asarray([index.get(label, -1) for _, label in rows])
                self._example_vecs = np.vstack([self._example_vecs, vecs])
                self._example_labels = np.concatenate([self._example_labels, labels])
                self._example_feats.extend(self._nb_ids(self.nb_features(q), grow=True) for q, _ in rows)
                self._classifier = self._fit()
                # built here, not at the first question: gunicorn preloads the engine, so its workers
                # share this one (built lazily, each worker paid 31 MB and 0.2 s: outside attack r20c P1)
                self._nb = self._train_nb(frozenset())
                self._nb_holdout = (None, None)
        return len(rows)

    def _keep(self, holdout: "frozenset[str] | None") -> np.ndarray:
        return np.asarray([ex[0] not in holdout for ex in self.examples] if holdout else
                          [True] * len(self.examples), dtype=bool)

    def _fit(self, holdout: "frozenset[str] | None" = None) -> SoftmaxClassifier:
        """Train the topic-or-out classifier on seeds and learnt examples (without ``holdout``)."""
        vecs, labels = self._example_vecs, self._example_labels
        if holdout and len(labels):
            keep = self._keep(holdout)
            vecs, labels = vecs[keep], labels[keep]
        x = np.vstack([self._seed_vecs, vecs])
        y = np.concatenate([self._seed_labels, labels])
        generic = len(self.topics) + len(self._kinds)
        y = np.where(y < 0, generic, y)
        weights = np.concatenate([np.full(len(self._seed_labels), self.SEED_WEIGHT), np.ones(len(labels))])
        return SoftmaxClassifier().fit(x, y, generic + 1, weights)

    def _holds_out(self, holdout: "frozenset[str] | None") -> bool:
        """Whether ``holdout`` takes away any learnt example (else the full model serves)."""
        return bool(holdout) and any(ex[0] in holdout for ex in self.examples)

    def _classifier_for(self, holdout: "frozenset[str] | None"):
        if not self._holds_out(holdout):
            if self._classifier is None:
                self._classifier = self._fit()
            return self._classifier
        if self._classifier_holdout[0] != holdout:
            self._classifier_holdout = (holdout, self._fit(holdout))
        return self._classifier_holdout[1]

    def nb_features(self, question: str, a: Analysis | None = None) -> list[str]:
        """What naive Bayes reads: the question's terms and its kana 2- and 3-grams (katakana
        read as hiragana, without dakuten and small kana, spaces dropped), of the question as
        ``ask`` reads it."""
        if a is None:
            question = self.unromaji(self.unkatakana(question))
            a = self.analyse(question)
        letters = fold_kana(to_hiragana(normalize(question)).replace(" ", ""))
        return [f"w:{t}" for t in a.terms] + [f"c:{g}" for g in char_ngrams(letters, (2, 3))]

    def _nb_for(self, holdout: "frozenset[str] | None") -> NaiveBayes:
        """Naive Bayes over seeds and learnt examples (without ``holdout``'s): counting, 0.1 s."""
        if not self._holds_out(holdout):
            model = self._nb
            if model is None:  # no examples learnt yet
                model = self._nb = self._train_nb(frozenset())
            return model
        cached = self._nb_holdout  # one read: another thread may replace it meanwhile
        if cached[0] != holdout:
            cached = self._nb_holdout = (holdout, self._train_nb(holdout))
        return cached[1]

    def _nb_ids(self, features: list[str], grow: bool = False) -> np.ndarray:
        """Feature ids (a question asked later only looks them up: unseen features say nothing)."""
        vocabulary = self._nb_vocabulary
        if grow:
            return np.asarray([vocabulary.setdefault(f, len(vocabulary)) for f in features], dtype=np.int64)
        return np.asarray([i for i in map(vocabulary.get, features) if i is not None], dtype=np.int64)

    def _train_nb(self, holdout: "frozenset[str]") -> NaiveBayes:
        out = len(self.topics)
        docs = [ids for ids, _ in self._nb_seeds]
        labels = [label for _, label in self._nb_seeds]
        prior = [False] * len(docs)
        for (q, _), ids, label in zip(self.examples, self._example_feats, self._example_labels):
            if q not in holdout:
                docs.append(ids)
                labels.append(int(label) if label >= 0 else out)
                prior.append(True)
        model = NaiveBayes(out + 1, temperature=self.NB_TEMPERATURE)
        return model.fit(docs, labels, prior, len(self._nb_vocabulary))

    # -- retrieval ---------------------------------------------------------

    def analyse(self, question: str) -> Analysis:
        return analyse(question, self.kana)

    def rank(self, question: str | Analysis, holdout: "str | frozenset[str] | None" = None) -> list[Ranked]:
        """Topics best first, each with the lexical, semantic and fused scores.

        ``holdout``: ignore learnt examples with these texts (the evaluation
        asks each dev question without its own fold's examples).
        """
        return self._rank(question, holdout)[0]

    def _rank(self, question: str | Analysis, holdout: "str | frozenset[str] | None" = None) -> tuple[list[Ranked], Any]:
        if isinstance(holdout, str):
            holdout = frozenset((holdout,))
        a = question if isinstance(question, Analysis) else self.analyse(question)
        word_scores = self.words.scores(a.terms)
        gram_scores = self.grams.scores(char_ngrams(a.reading)) if a.reading else [0.0] * len(self.topics)
        known = [t for t in set(a.terms) if self.words.known(t)]
        unknown = len(set(a.terms)) - len(known)
        # words the knowledge base never uses still count against coverage:
        # "名義変更したい" must not be answered as if it were about 変更 alone
        known_mass = (sum(self.words.idf[t] for t in known) + self.UNKNOWN_TERM_WEIGHT * unknown) or 1.0
        n = len(self.topics)
        passage = np.zeros(n, dtype=np.float32)
        example = np.zeros(n, dtype=np.float32)
        out_sim = 0.0
        q = None
        klass = np.zeros(n, dtype=np.float32)
        nb = np.zeros(n, dtype=np.float32)
        out_p = 0.0
        out_kind = scope.UNKNOWN
        if self.semantic is not None and a.text:
            if isinstance(question, Analysis):
                text = a.text
            else:
                # a word typed in hiragana (しょうけんばんごう) is read as the knowledge base spells it
                # (証券番号) by the sentence model too, as the lexical side already does
                text = without_personal_data(question)
                plain = normalize(text)
                restored = self.kana.apply(plain)
                text = restored if restored != plain else text
            q = self.semantic.query(text)
            np.maximum.at(passage, self._passage_owner, self._passage_vecs @ q)
            vecs, labels = self._example_vecs, self._example_labels
            if holdout and len(labels):
                keep = self._keep(holdout)
                vecs, labels = vecs[keep], labels[keep]
            if len(labels):
                sims = vecs @ q
                inside = labels >= 0
                if inside.any():
                    np.maximum.at(example, labels[inside], sims[inside])
                if (~inside).any():
                    out_sim = float(sims[~inside].max())
            proba = self._classifier_for(holdout).proba(q)
            klass, out_p = proba[:n], float(proba[n:].sum())
            text_read = question if isinstance(question, str) else a.text
            nb = self._nb_for(holdout).proba(self._nb_ids(self.nb_features(text_read, a)))[:n]
            kinds = proba[n:n + len(self._kinds)]
            out_kind = self._kinds[int(np.argmax(kinds))] if float(kinds.max()) >= 0.5 * out_p else scope.UNKNOWN
        lex = [word_scores[i] + self.GRAM_FACTOR * gram_scores[i] for i in range(n)]
        lex_top = max(lex) or 1.0
        ranked = []
        for i, topic in enumerate(self.topics):
            cover = sum(self.words.idf[t] for t in known if t in self._doc_terms[i]) / known_mass
            fused = (
                self.W_LEX * lex[i] / max(lex_top, self.LEX_FLOOR)
                + self.W_PASSAGE * float(passage[i])
                + self.W_EXAMPLE * float(example[i])
                + self.W_CLASS * float(klass[i])
                + self.W_NB * float(nb[i])
            )
            ranked.append(Ranked(topic, lex[i], word_scores[i], gram_scores[i], cover if known else 0.0,
                                 float(passage[i]), float(example[i]), fused, out_sim,
                                 float(klass[i]), float(nb[i]), out_p, out_kind))
        key = (lambda r: (-r.fused, r.topic.id)) if self.semantic is not None else (lambda r: (-r.score, r.topic.id))
        ranked.sort(key=key)
        return ranked, q

    # -- answering ---------------------------------------------------------

    _KATA_RUN = re.compile(r"[ァ-ヺー]+")
    _LETTER = re.compile(r"[ぁ-ゖァ-ヺ一-龥々]")
    KATAKANA_SHARE = 0.7  # a question this much in katakana was typed all in katakana

    def unkatakana(self, question: str) -> str:
        """「コウシン イツマデ」「キュウリョウ カラ ヒカレル？」: a question typed all in katakana (an old
        phone habit, or half-width ｶﾀｶﾅ) reads as the hiragana it stands for, so that the kana
        dictionary restores the knowledge base's spelling (こうしん → 更新) and the sentence model
        sees ordinary Japanese; the knowledge base's own katakana words (パスワード, メール) stay."""
        text = unicodedata.normalize("NFKC", question)
        letters = self._LETTER.findall(text)
        kata = sum(1 for c in letters if "ァ" <= c <= "ヺ")
        if not letters or kata < self.KATAKANA_SHARE * len(letters):
            return question
        return self._KATA_RUN.sub(lambda m: m.group(0) if self._is_loanword(m.group(0)) else to_hiragana(m.group(0)), text)

    # English words that also read as romaji (home → ほめ, one time → おね ちめ): never read as romaji
    ENGLISH = frozenset(
        "home one time page my mail email address login logout password pass id pc ok web url qr code sms otp pin "
        "smartphone phone android iphone ipad safari chrome edge error button link reset site online net top menu "
        "data line app apps android google yahoo gmail icloud docomo au softbank wifi bank paypay amazon to no "
        "i a an in on use are me we be he so do go name make take same sure note done more age date mode case "
        "side nine tire".split())
    _ROMAJI_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*")

    def unromaji(self, question: str) -> str:
        """「touroku dekinai」「koushin no kigen itsu made?」: a question typed in romaji (a keyboard left in
        English) reads as the hiragana it stands for, as a katakana one does; English words (login,
        mail, password, one time) and the knowledge base's own letters stay. Only when every Latin-letter
        word is romaji or a known English word, or most of them are romaji: 'PayPay no QR' is not romaji."""
        typed, question = question, unicodedata.normalize("NFKC", question)  # ｊｉｋｏ ｏｋｏｓｈｉｔａ (r20d, 1)
        words = self._ROMAJI_WORD.findall(question)
        if not words:
            return typed
        if len(words) == 1 and not READABLE_JAPANESE.search(question):
            return typed  # one Latin word alone (Chrome, taro) is not a sentence; next to Japanese it is read
        english = sum(1 for w in words if w.lower() in self._not_romaji)
        read = {w: kana for w in words if w.lower() not in self._not_romaji and (kana := romaji_to_hiragana(w))}
        romaji = sum(1 for w in words if w in read)
        particles = sum(1 for w in words if w.lower() in self.ROMAJI_PARTICLES)
        other = len(words) - romaji - english  # neither: English (Can, forgot) or a name (PayPay)
        if not romaji or romaji < 3 * other or (romaji + particles < 2 and other and len(words) > 1):
            return typed
        return self._ROMAJI_WORD.sub(
            lambda m: read.get(m.group(0)) or (self.ROMAJI_PARTICLES.get(m.group(0).lower()) or m.group(0)), question)

    ROMAJI_PARTICLES = {"no": "の", "to": "と"}

    # loanwords a question about a car or a phone uses that the knowledge base does not (エンジン カカラナイ
    # must keep エンジン for the accident line: r20b C1)
    LOANWORDS = frozenset(
        "エンジン ロードサービス バッテリー タイヤ ブレーキ ハンドル レッカー パンク ガソリン ガス キー ドア "
        "ライト ワイパー カーナビ ドラレコ バイク トラック ナンバー ディーラー スマホ スマートフォン アプリ "
        "パソコン タブレット ブラウザ インターネット ネット サイト ページ ホームページ リンク エラー コード "
        "ボタン メール アドレス パスワード ログイン アカウント".split())

    def _is_loanword(self, run: str) -> bool:
        return run in self._loanwords or run.startswith(self._loan_starts)

    def ask(self, question: str, contacts: Contacts | Mapping[str, Any] | None = None,
            holdout: "str | frozenset[str] | None" = None) -> Reply:
        who = Contacts.coerce(contacts, self.insurer_name) if contacts is not None else self.contacts
        typed = (question or "")[: self.MAX_QUESTION_CHARS]
        question = self.unromaji(self.unkatakana(typed))
        a = self.analyse(question)
        if not a.text:
            return self._suggest([self.by_id[i] for i in ("F04", "F09", "F14") if i in self.by_id],
                                 lead="ご質問を入力してください。よくあるご質問はこちらです。", reason="empty")
        if not READABLE.search(normalize(question)):
            # only symbols, emoji or characters lost on the way (U+FFFD): nothing to rank
            return self._suggest([self.by_id[i] for i in COMMON_TOPICS if i in self.by_id],
                                 lead="ご質問の内容を読み取れませんでした。言葉を変えてもう一度入力してください。"
                                      "よくあるご質問はこちらです。", reason="unreadable")
        if VAGUE.fullmatch(re.sub(r"[\W_ー〜~]+", "", normalize(question))):
            # 「よくわからない」「助けて」: no topic in it; a random nearest one would only confuse
            return self._suggest([self.by_id[i] for i in COMMON_TOPICS if i in self.by_id],
                                 lead="どのようなことでお困りですか？よくあるご質問からお選びいただくか、"
                                      "「パスワードを忘れた」のように、お困りのことを入力してください。", reason="vague")
        if scope.is_accident(normalize(question)) or scope.is_accident(normalize(typed)):
            # someone may be standing next to a damaged car: the accident line first, whatever the scores
            return self.handoff(scope.ACCIDENT, who)
        if self.semantic is None:
            return self._decide_lexical(self.rank(a), who)
        ranked, vector = self._rank(question, holdout=holdout)
        reply = self._decide(question, ranked, who, vector, reread=question != typed)
        if reply.kind != "answer" and MOVED.search(normalize(question)):
            reply = self.profile_change_link(reply)
        return reply

    def _decide_lexical(self, ranked: list[Ranked], who: Contacts) -> Reply:
        """Without the sentence model (tests of the lexical side alone): the BM25 thresholds."""
        top = ranked[0]
        if top.score < self.SUGGEST_MIN:
            return self.handoff(scope.UNKNOWN, who, score=top.score)
        second = ranked[1].score if len(ranked) > 1 else 0.0
        if (
            top.score >= self.ANSWER_MIN
            and top.score >= self.LEX_ANSWER_RATIO * max(second, 1e-9)
            and top.coverage >= self.ANSWER_COVERAGE
        ):
            return self.answer_for(top.topic.id, who, score=top.score)
        picks = [r.topic for r in ranked[:3] if r.score >= self.SUGGEST_RATIO * top.score and r.score >= self.SUGGEST_MIN]
        return self._suggest(picks, score=top.score)

    # 「仮登録メールは届いたけど」「QRコードは読めたけど」: the topic's own trouble is said to be over, so the
    # nearest topic (届かない, 読み取れない) is often the wrong one (r20b C4)
    _BUT_OR_DONE = re.compile(r"届いた|届きました|届いてる|読めた|読み取れた|追加した|追加しました|できた|できました|開けた")
    _LATIN = re.compile(r"[a-z][a-z0-9\-]+")
    # someone else's service or office (楽天の, 銀行の, 社会保険料): the same words mean another thing (r20b C2)
    _ELSEWHERE = re.compile(r"楽天|銀行|社会保険|住民税|所得税|年金|ふるさと納税|携帯会社|ドコモ|ソフトバンク|ペイペイ"
                            # another insurance product: Clickar renews car insurance only
                            r"|(火災|地震|生命|医療|がん|傷害|自転車|ペット|旅行|介護|学資|かさい|せいめい|ぺっと)\s?(保険|ほけん)"
                            r"|自賠責|じばいせき|車検|しゃけん|自動車税|じどうしゃぜい|免許|めんきょ")

    def _not_for_an_answer(self, question: str) -> bool:
        """A question that may look like a topic but is not the one its words name: suggest, never answer."""
        text = normalize(without_personal_data(question))  # taro@example.jp is the person's, not a service
        if self._BUT_OR_DONE.search(text) or self._ELSEWHERE.search(text):
            return True
        # a name the knowledge base does not know: PayPay, Amazon, LINE … (mail services and the usual
        # abbreviations are ours)
        return any(w not in self._latin_words for w in self._LATIN.findall(text))

    def decision_order(self, ranked: list[Ranked]) -> list[Ranked]:
        """The topics in the order the answer and hand-off thresholds were calibrated on: the fusion
        without the naive Bayes reader. Naive Bayes orders the suggestions (it finds the right topic
        among three far more often) but never makes the engine answer, or not hand off, where it
        would not have without it."""
        if not self.W_NB:
            return ranked
        return sorted(ranked, key=lambda r: (-(r.fused - self.W_NB * r.nb), r.topic.id))

    def features(self, ranked: list[Ranked]) -> dict[str, float]:
        """What the decision looks at (``ranked`` in decision order)."""
        top, second = ranked[0], ranked[1]
        lex_first = max(ranked, key=lambda r: r.score)
        return {
            "margin": (top.fused - self.W_NB * top.nb) - (second.fused - self.W_NB * second.nb),
            "klass": top.klass,
            "example": top.example,
            "out": top.out_p,
            "agree": float(lex_first.topic.id == top.topic.id and lex_first.score > 0),
            "accident": float(top.out_kind == scope.ACCIDENT),
            "lex": lex_first.score,
        }

    def _decide(self, question: str, ranked: list[Ranked], who: Contacts, vector: Any,
                reread: bool = False) -> Reply:
        base = self.decision_order(ranked)
        f = self.features(base)
        top = base[0]
        kind = None  # which kind of out of scope: scope.classify (nearest description), when needed
        # naive Bayes reads one topic in the letters typed (あふりみたいにかめんにおきたい, 通勤電車でやって
        # 終わるかな): suggest it rather than hand off, naming who can help (accidents still hand off)
        letters_say_ours = max(r.nb for r in ranked) >= self.KEEP_NB
        nothing_of_ours = (f["lex"] < self.HANDOFF_MAX_LEX and f["klass"] < self.HANDOFF_MAX_CLASS_NO_WORDS
                           and not letters_say_ours)
        ours = (f["agree"] and f["lex"] >= self.KEEP_LEX) or letters_say_ours
        if nothing_of_ours or (f["out"] >= self.HANDOFF_OUT and f["klass"] < self.HANDOFF_MAX_CLASS and not ours) or (
                f["accident"] and f["out"] >= self.HANDOFF_ACCIDENT_OUT):
            # someone may be standing next to a damaged car: accidents hand off sooner
            kind = kind or scope.classify(question, self.semantic, vector)
            return self.handoff(kind, who, score=f["out"])
        if (
            not reread  # read from katakana or romaji, a guess at what was meant: offer, never answer (r20b C7)
            and not self._not_for_an_answer(question)
            and f["margin"] >= self.ANSWER_MARGIN
            and f["klass"] >= self.ANSWER_CLASS
            and f["example"] >= self.ANSWER_EXAMPLE
            and f["out"] < self.ANSWER_MAX_OUT
            and f["agree"]
        ):
            return self.answer_for(top.topic.id, who, score=f["klass"])
        picks = [r for r in ranked[:3] if r.fused >= ranked[0].fused - self.SUGGEST_SPREAD]
        reply = self._suggest([r.topic for r in picks], score=f["klass"])
        reply.next_candidates = [r.topic.id for r in ranked[len(picks):len(picks) + 3]]
        reply.elsewhere = bool(self._ELSEWHERE.search(normalize(question)))
        if f["out"] >= self.SUGGEST_NOTE_OUT:
            kind = kind or scope.classify(question, self.semantic, vector)
            reply.note_html = self._contacts_html(kind, who, note=True)
            reply.answer_html = reply.answer_html.replace("</section>", reply.note_html + "</section>")
            reply.reason = kind
        return reply

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
            lead="" if lead == "お知りになりたいのは、次のどれですか？" else lead,
        )

    _HANDOFF_LEADS = {
        scope.ACCIDENT: "事故・故障のご連絡やご相談は、このチャットではお受けできません。すぐに下記の事故受付へお電話ください。",
        scope.CLAIM: "保険金のご請求や補償の内容については、このチャットではご案内できません。下記へお問い合わせください。",
        scope.CANCELLATION: "ご契約の解約については、このチャットではお受けできません。取扱代理店へお問い合わせください。",
        scope.OTHER_PRODUCT: "このチャットでは、自動車保険のマイページ会員登録・ログイン・更新のお手続きについてご案内しています。ほかの保険については下記へお問い合わせください。",
        scope.CONTRACT_CHANGE: "ご契約内容の変更（お車の入替え、運転者の範囲など）は、このチャットではお答えできません。取扱代理店へお問い合わせください。",
        scope.PUBLIC: "自動車税・運転免許・車検などは、保険とは別のお手続きのため、このチャットではご案内できません。自動車税は都道府県の税事務所（軽自動車税は市区町村）、運転免許は警察署・運転免許センター、車検は整備工場や販売店へお問い合わせください。自動車保険のことは下記へどうぞ。",
        scope.EMPLOYER: "退職・年末調整・給与のことは、お勤め先の人事・総務のご担当へお問い合わせください。退職後の自動車保険（団体扱の継続）については、取扱代理店がご案内します。",
        scope.WEATHER: "申し訳ありません。このチャットでは、マイページ会員登録・ログイン・更新のお手続きについてご案内しています。",
        scope.CHITCHAT: "このチャットでは、マイページ会員登録・ログイン・更新のお手続きについてご案内しています。お困りのことを入力してください。",
        scope.UNKNOWN: "申し訳ありません。ご質問にお答えできる情報が見つかりませんでした。言葉を変えてもう一度ご質問いただくか、下記へお問い合わせください。",
    }

    def profile_change_link(self, reply: Reply) -> Reply:
        """An address or phone number that changed: My Page takes it (お客さま情報 → 住所・電話番号を
        変更する), whatever else the reply says (a phone walk was sent to the agency)."""
        e = html.escape
        block = ('<div class="chat-personal"><p>住所・電話番号の変更は、マイページの「お客さま情報」から'
                 'お届けいただけます（ログインが必要です）。</p><ul class="chat-links"><li>'
                 f'<a href="{e(PROFILE_CHANGE_URL)}">住所・電話番号を変更する</a></li></ul></div>')
        head, sep, rest = reply.answer_html.partition(">")
        reply.answer_html = head + sep + block + rest
        if reply.kind == "suggest":  # the page draws a suggestion from its parts
            reply.personal_html = block + reply.personal_html
        return reply

    def handoff(self, reason: str, contacts: Contacts | None = None, score: float = 0.0) -> Reply:
        who = contacts or self.contacts
        lead = self._HANDOFF_LEADS.get(reason, self._HANDOFF_LEADS[scope.UNKNOWN])
        answer_html = (
            f'<section class="chat-handoff" data-reason="{html.escape(reason)}"><p>{html.escape(lead)}</p>'
            f"{self._contacts_html(reason, who)}</section>"
        )
        return Reply("handoff", None, [], answer_html, reason=reason, score=score)

    def _contacts_html(self, reason: str, who: Contacts, note: bool = False) -> str:
        """Who can help, the right one first: the accident line for accidents, else the agency."""
        e = html.escape

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
        employer = '<li class="chat-contact"><strong>お勤め先</strong>：人事・総務のご担当</li>'
        extra = ""
        if reason == scope.ACCIDENT:
            items = accident + agency + insurer
            extra = "<p>おけがをされた方がいる場合は119番、事故は警察（110番）へのご連絡もお忘れなく。</p>"
        elif reason == scope.EMPLOYER:
            items = employer + agency + insurer
        else:
            items = agency + insurer + accident
        if note:
            lead = self._HANDOFF_LEADS.get(reason) if reason in self._HANDOFF_LEADS and reason != scope.UNKNOWN else None
            lead = lead or "どれにも当てはまらない場合は、下記へお問い合わせください。"
            return (f'<div class="chat-handoff chat-handoff--note" data-reason="{e(reason)}">'
                    f"<p>{e(lead)}</p>{extra}<ul class=\"chat-contacts\">{items}</ul></div>")
        return f'{extra}<ul class="chat-contacts">{items}</ul>'


# --------------------------------------------------------------------------
# the process-wide engine

_engine: ChatEngine | None = None
_engine_lock = threading.Lock()


EXAMPLES_FILE = kbmod.KB_DIR / "examples.jsonl"


def load_examples(path: Path = EXAMPLES_FILE) -> list[tuple[str, str]]:
    """The dev half of the evaluation set: (question, 'F07' or 'out') per line."""
    import json

    rows = []
    if not path.exists():
        return rows
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            row = json.loads(line)
            rows.append((row["q"], row.get("expect") or row.get("expected")))
    return rows


def semantic_enabled() -> bool:
    """CLICKAR_CHAT_SEMANTIC=0 turns the sentence model off (BM25 only); on by default."""
    return os.environ.get("CLICKAR_CHAT_SEMANTIC", "1").strip().lower() not in ("0", "false", "no", "off")


def build_engine(insurer_name: str | None = None) -> ChatEngine:
    insurer = insurer_name or os.environ.get("CLICKAR_INSURER_NAME") or DEFAULT_INSURER
    semantic = None
    if semantic_enabled():
        from .semantic import get_embedder

        semantic = get_embedder()
    return ChatEngine.from_directory(insurer_name=insurer, semantic=semantic,
                                     examples=load_examples() if semantic else None)


FILED_REFRESH_SECONDS = 60.0


def learn_filed_examples(engine: ChatEngine, pairs: Iterable[tuple[str, str]] | None = None) -> int:
    """Questions staff filed as "this was topic Fxx" (ChatExample), learnt by this process.

    With ``pairs``: exactly those (the staff page, right after filing).  Without:
    the rows filed since this process last looked, at most once a minute.
    """
    import time

    if pairs is not None:
        return engine.add_examples(pairs)
    now = time.monotonic()
    if now - getattr(engine, "_filed_checked", -1e9) < FILED_REFRESH_SECONDS:
        return 0
    engine._filed_checked = now
    from ..models import ChatExample

    last = getattr(engine, "_filed_last_id", 0)
    rows = list(ChatExample.select(ChatExample.id, ChatExample.question_masked, ChatExample.faq_id)
                .where(ChatExample.id > last).order_by(ChatExample.id).tuples())
    if not rows:
        return 0
    engine._filed_last_id = rows[-1][0]
    return engine.add_examples((q, f) for _, q, f in rows)


def get_engine() -> ChatEngine:
    """The engine over the bundled knowledge base, built once per process.

    The insurer's name comes from CLICKAR_INSURER_NAME (default 損保ジャパン);
    per-request contacts (the member's agency) are passed to ``ask``.
    """
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = build_engine()
    return _engine
