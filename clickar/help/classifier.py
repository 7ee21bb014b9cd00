"""A small softmax classifier over sentence vectors: which topic (or 'out of scope').

Trained at start-up (well under a second) from labelled questions: the dev
half of the evaluation set, the questions staff filed from the log, each
topic's title and keywords, and short descriptions of what is out of scope
(scope.KINDS).  Plain numpy: centred features, L2-regularised multinomial
logistic regression, full-batch gradient descent with a fixed step count, so
the same data always gives the same model.
"""

from __future__ import annotations

import numpy as np


class SoftmaxClassifier:
    def __init__(self, l2: float = 1e-3, steps: int = 300, lr: float = 2.0, scale: float = 20.0) -> None:
        self.l2, self.steps, self.lr, self.scale = l2, steps, lr, scale
        self.w: np.ndarray | None = None
        self.b: np.ndarray | None = None
        self.mean: np.ndarray | None = None

    def fit(self, x: np.ndarray, y: np.ndarray, classes: int, weights: np.ndarray | None = None) -> "SoftmaxClassifier":
        x = np.asarray(x, dtype=np.float64)
        self.mean = x.mean(axis=0)
        z = (x - self.mean) * self.scale
        n, d = z.shape
        sw = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
        sw = sw / sw.sum()
        onehot = np.zeros((n, classes))
        onehot[np.arange(n), y] = 1.0
        w = np.zeros((d, classes))
        b = np.zeros(classes)
        for _ in range(self.steps):
            logits = z @ w + b
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            g = (p - onehot) * sw[:, None]
            w -= self.lr * (z.T @ g + self.l2 * w)
            b -= self.lr * g.sum(axis=0)
        self.w, self.b = w.astype(np.float32), b.astype(np.float32)
        self.mean = self.mean.astype(np.float32)
        return self

    def proba(self, v: np.ndarray) -> np.ndarray:
        logits = ((v - self.mean) * self.scale) @ self.w + self.b
        logits = logits - logits.max(axis=-1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=-1, keepdims=True)


class NaiveBayes:
    """Multinomial naive Bayes over a question's words and kana character n-grams.

    The sentence model reads meaning; this reads the letters people actually type: a
    writer's own spellings (めあど, ぱすわーど, 交信 for 更新), dialect endings and
    abbreviations that the sentence vectors place far from the topic's text but that
    other people asking the same thing typed too. Counting only: trained in a
    fraction of a second from the questions' features, which the engine keeps, so the
    evaluation's folds retrain it without re-reading anything.
    """

    def __init__(self, classes: int, alpha: float = 0.1, temperature: float = 10.0) -> None:
        self.classes = classes
        self.alpha = alpha
        self.temperature = temperature
        self.counts: dict[str, np.ndarray] = {}
        self.prior = np.ones(classes)

    def add(self, features: "list[str]", label: int, prior: bool = True) -> None:
        for feature in features:
            row = self.counts.get(feature)
            if row is None:
                row = self.counts[feature] = np.zeros(self.classes)
            row[label] += 1
        if prior:
            self.prior[label] += 1

    def copy(self) -> "NaiveBayes":
        other = NaiveBayes(self.classes, self.alpha, self.temperature)
        other.counts = {f: row.copy() for f, row in self.counts.items()}
        other.prior = self.prior.copy()
        return other

    def freeze(self) -> "NaiveBayes":
        """Turn the counts into a table of log-probabilities (call after the last add; the counts
        are let go: about 25 MB for the dev half's questions, against 5 MB for the table)."""
        # a feature only held-out questions had is gone (all its counts taken away): not in the vocabulary
        live = [(f, row) for f, row in self.counts.items() if row.any()]
        counts = np.array([row for _, row in live]).reshape(len(live), self.classes)
        denominator = counts.sum(axis=0) + self.alpha * max(len(live), 1)
        self.index = {f: i for i, (f, _) in enumerate(live)}
        self.table = np.log((counts + self.alpha) / denominator).astype(np.float32)
        self.log_prior = np.log(self.prior / self.prior.sum()).astype(np.float32)
        self.counts = {}
        return self

    def proba(self, features: "list[str]") -> np.ndarray:
        known = [r for r in (self.index.get(f, -1) for f in features) if r >= 0]
        # a feature no learnt question had says nothing (counted, it would favour the topics with the
        # fewest letters learnt: 「ぴよぴよ」 read as a topic)
        lp = self.log_prior + self.table[known].sum(axis=0)
        lp = lp / self.temperature
        p = np.exp(lp - lp.max())
        return (p / p.sum()).astype(np.float32)
