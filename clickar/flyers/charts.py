"""Server-rendered SVG charts: readable without JavaScript, described for screen readers.

The SVG uses presentation attributes for its colours (so it also works as a
file on its own) and classes that app.css may restyle (dark mode). No inline
`style` and no script: the page's CSP forbids both.
"""
from __future__ import annotations

import math
from typing import Sequence
from xml.sax.saxutils import escape

# A 480 × 300 canvas: on a 390 px phone the labels are ~13 px, in a desktop column ~22 px.
WIDTH = 480
HEIGHT = 300
LEFT = 42
RIGHT = 8
TOP = 14
BOTTOM = 38
FONT = 18


def nice_ceiling(value: int) -> int:
    """The axis top: four whole, round tick steps (1, 2, 2.5, 3, 5 × 10^k) covering value."""
    if value <= 4:
        return 4
    raw = value / 4
    exponent = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 3, 5, 10):
        tick = step * exponent
        if tick >= raw and float(tick).is_integer():
            return int(tick * 4)
    return int(40 * exponent)


def _num(v: float) -> str:
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return s or "0"


def _svg_open(css_class: str, height: int, chart_id: str, title: str, summary: str) -> list[str]:
    """The <svg> tag, its <title> and its <desc> (the summary a screen reader reads)."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="sans-serif" font-size="{FONT}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>',
    ]


def _svg_close(out: list[str], empty_at: tuple[float, float] | None, summary: str) -> str:
    """The closed SVG; with nothing to show, the summary centred at empty_at (x, middle y)."""
    if empty_at is not None:
        x, y = empty_at
        out.append(f'<text class="chart__empty" x="{_num(x)}" y="{_num(y + FONT * 0.35)}" '
                   f'text-anchor="middle" fill="#505a5f">{escape(summary)}</text>')
    out.append("</svg>")
    return "".join(out)


def bar_chart(points: Sequence[tuple[str, str, int]], title: str, unit: str = "件",
              chart_id: str = "chart") -> str:
    """Bars for (short label, long label, value) points, e.g. ("4/1", "2026年4月1日", 12).

    Every bar has a <title> ("2026年4月1日：12件"); the whole chart has a
    <title> and a <desc> with the total and the best day, and role="img".
    """
    n = max(len(points), 1)
    values = [v for _, _, v in points]
    top = nice_ceiling(max(values, default=0))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / n
    bar_w = max(slot * 0.72, 1.0)
    total = sum(values)
    if total:
        best_i = max(range(len(values)), key=lambda i: values[i])
        summary = (f"{points[0][1]}から{points[-1][1]}まで、合計{total}{unit}。"
                   f"最も多い日は{points[best_i][1]}の{values[best_i]}{unit}。")
    else:
        summary = "この期間のスキャンはまだありません。" if points else "表示する期間がありません。"
    out = _svg_open("chart", HEIGHT, chart_id, title, summary)
    # grid lines and y axis labels (0, ¼, ½, ¾, top)
    for i in range(5):
        value = top * i // 4
        y = TOP + plot_h - plot_h * i / 4
        out.append(f'<line class="chart__grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_num(y)}" '
                   f'y2="{_num(y)}" stroke="#c8c8c8" stroke-width="1"/>')
        out.append(f'<text class="chart__axis" x="{LEFT - 6}" y="{_num(y + FONT * 0.35)}" '
                   f'text-anchor="end" fill="#505a5f">{value}</text>')
    # bars
    for i, (_, long_label, value) in enumerate(points):
        h = plot_h * value / top if top else 0
        x = LEFT + slot * i + (slot - bar_w) / 2
        y = TOP + plot_h - h
        out.append(f'<rect class="chart__bar" x="{_num(x)}" y="{_num(y)}" width="{_num(bar_w)}" '
                   f'height="{_num(h)}" fill="#b8001f"><title>{escape(long_label)}：{value}{unit}</title></rect>')
    # x labels, thinned so they never overlap (about 6 labels at most)
    every = max(1, math.ceil(len(points) / 6))
    for i, (short_label, _, _) in enumerate(points):
        if i % every:
            continue
        x = LEFT + slot * i + slot / 2
        out.append(f'<text class="chart__axis" x="{_num(x)}" y="{HEIGHT - BOTTOM + FONT + 8}" '
                   f'text-anchor="middle" fill="#505a5f">{escape(short_label)}</text>')
    out.append(f'<line class="chart__baseline" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" '
               f'y2="{TOP + plot_h}" stroke="#505a5f" stroke-width="1.5"/>')
    return _svg_close(out, None if total else (LEFT + plot_w / 2, TOP + plot_h * 0.375), summary)


def daily_scans_chart(days, chart_id: str = "scans-chart") -> str:
    """The results page's chart: one bar per Japan-time day (campaigns.Day rows)."""
    points = [(f"{d.date.month}/{d.date.day}", f"{d.date.year}年{d.date.month}月{d.date.day}日", d.scans)
              for d in days]
    return bar_chart(points, "日別スキャン数", chart_id=chart_id)


def horizontal_bars(rows: Sequence[tuple[str, int]], title: str, unit: str = "件",
                    chart_id: str = "bars") -> str:
    """One labelled horizontal bar per (label, value) row, its value at the end.

    Used for shares (scans by device/OS) and for comparing campaigns; the page puts
    a table with the same numbers beside it.
    """
    bar_h, gap, label_w, value_w = 30, 14, 150, 70
    height = max(len(rows), 1) * (bar_h + gap) + gap
    plot_w = WIDTH - label_w - value_w
    top = max((v for _, v in rows), default=0)
    total = sum(v for _, v in rows)
    if total:
        summary = "、".join(f"{label} {value}{unit}" for label, value in rows) + f"（合計{total}{unit}）"
    else:
        summary = "この期間のスキャンはまだありません。"
    out = _svg_open("chart chart--bars", height, chart_id, title, summary)
    if not total:  # only the message: labels beside it collided with it (the table names the rows)
        return _svg_close(out, (WIDTH / 2, height / 2), summary)
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = plot_w * value / top if top else 0
        share = f"（{value / total * 100:.0f}%）" if total else ""
        shown = label if len(label) <= 8 else label[:7] + "…"  # the full name is in <title> and the table
        out.append(f'<text class="chart__axis" x="{label_w - 8}" y="{_num(y + bar_h / 2 + FONT * 0.35)}" '
                   f'text-anchor="end" fill="#505a5f">{escape(shown)}</text>')
        out.append(f'<rect class="chart__bar" x="{label_w}" y="{y}" width="{_num(max(w, 1 if value else 0))}" '
                   f'height="{bar_h}" fill="#b8001f"><title>{escape(label)}：{value}{unit}{share}</title></rect>')
        out.append(f'<text class="chart__axis" x="{_num(label_w + w + 6)}" y="{_num(y + bar_h / 2 + FONT * 0.35)}" '
                   f'fill="#505a5f">{value}</text>')
    return _svg_close(out, None, summary)
