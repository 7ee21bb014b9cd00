"""Build ``kb/vectors.npz``, the sentence vectors of the knowledge base's fixed texts.

    python -m clickar.help.vectors

A build artefact like ``static/vendor/``: `make install` and `make install-test` write it
when the knowledge base, its learnt examples or the out-of-scope descriptions change, and
the Dockerfile writes it into the image. It is a cache (``semantic.Embedder.cached``): a
process that starts without it embeds those texts itself, seconds later, with the same result.
"""

from __future__ import annotations

import sys


def refresh() -> str:
    """Embed every fixed text the engine and the handoff kinds use; write the cache; its path."""
    from . import scope
    from .engine import build_engine

    engine = build_engine()
    if engine.semantic is None:
        raise SystemExit("the sentence model is off (CLICKAR_CHAT_SEMANTIC=0): nothing to build")
    scope.classify("", engine.semantic)  # the handoff kinds' vectors too
    engine.semantic.save()
    return str(engine.semantic.cache_file)


def main() -> int:
    print(f"wrote {refresh()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
