"""`make bench`'s flyer rows: throughput as ratios to a static file, measured in one run."""
from __future__ import annotations

from bench.flyers import bench
from clickar.models import Campaign, Staff, Visit


def test_bench_reports_link_and_qr_throughput_as_ratios_to_a_static_file(app, db):
    rows = bench(app, seconds=0.2)
    by_name = {row["name"]: row for row in rows}
    ratios = [row for row in rows if row["unit"] == "ratio" and "÷ static" in row["name"]]
    assert len(ratios) == 4  # /r/CODE and QR SVG, test client and HTTP
    assert all(row["value"] > 0 for row in rows)
    assert any("/r/CODE" in name for name in by_name) and any("QR SVG" in name for name in by_name)
    assert set(rows[0]) == {"name", "value", "unit"}
    # the bench leaves nothing behind
    assert (Campaign.select().count(), Staff.select().count(), Visit.select().count()) == (0, 0, 0)
