"""python -m bench --only: the chosen rows and the baselines their ratios need."""
import pytest

from bench.run import chosen_kinds, ratios, Run


def test_only_adds_the_baselines_in_table_order():
    assert chosen_kinds("mypage,next,scan") == ["bare", "next", "mypage", "static", "link"]
    assert chosen_kinds(None) == ["bare", "next", "mismatch", "mypage", "login", "static", "link"]
    assert chosen_kinds("link") == ["static", "link"]


def test_only_refuses_an_unknown_kind():
    with pytest.raises(SystemExit, match="unknown kind 'mypag'"):
        chosen_kinds("mypag")


def test_ratios_of_the_measured_rows_only():
    def run(rps):
        return Run(rps=rps, p50_ms=1.0, p95_ms=2.0, requests=int(rps * 2), statuses={200: 1}, seconds=2.0)

    results = {(kind, label): [run(rps)] for kind, rps in (("static", 1000), ("link", 600))
               for label in ("small", "large")}
    out = ratios(results, 1)
    assert out["link_vs_static"] == pytest.approx(0.6)
    assert out["mypage_vs_bare"] != out["mypage_vs_bare"]  # NaN: not measured
    assert "p95_link_large_vs_small" in out and "p95_next_large_vs_small" not in out
