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
