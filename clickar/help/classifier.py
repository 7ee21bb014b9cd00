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
    other people asking the same thing typed too. Counting only, over integer feature
    ids (the engine keeps the vocabulary and each learnt question's ids): trained in a
    fraction of a second, about 3 MB for some 30,000 features, so the evaluation's folds
    retrain it without re-reading anything.
    """

    def __init__(self, classes: int, alpha: float = 0.1, temperature: float = 10.0) -> None:
        self.classes = classes
        self.alpha = alpha
        self.temperature = temperature

    def fit(self, docs: "list[np.ndarray]", labels: "list[int]", counts_prior: "list[bool]",
            vocabulary: int) -> "NaiveBayes":
        """``docs``: each question's feature ids; ``counts_prior``: whether it counts towards its
        class's prior (learnt questions do; a topic's title and keywords do not)."""
        ids = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
        owners = np.repeat(np.asarray(labels, dtype=np.int64), [len(d) for d in docs])
        counts = np.zeros((vocabulary, self.classes), dtype=np.float64)
        np.add.at(counts, (ids, owners), 1.0)
        # a feature only held-out questions had is not in the vocabulary (as if never seen)
        self.live = counts.any(axis=1)
        denominator = counts.sum(axis=0) + self.alpha * max(int(self.live.sum()), 1)
        self.table = np.log((counts + self.alpha) / denominator).astype(np.float32)
        prior = np.ones(self.classes)
        np.add.at(prior, np.asarray(labels, dtype=np.int64)[np.asarray(counts_prior, dtype=bool)], 1.0)
        self.log_prior = np.log(prior / prior.sum()).astype(np.float32)
        return self

    def proba(self, ids: np.ndarray) -> np.ndarray:
        # a feature no learnt question had says nothing (counted, it would favour the topics with the
        # fewest letters learnt: 「ぴよぴよ」 read as a topic)
        ids = ids[ids < len(self.live)]  # a feature learnt after this model was trained (a filing meanwhile)
        ids = ids[self.live[ids]]
        lp = (self.log_prior + self.table[ids].sum(axis=0)) / self.temperature
        p = np.exp(lp - lp.max())
        return (p / p.sum()).astype(np.float32)
