"""`contracts import` for big files: batched (COPY on PostgreSQL), progress on stderr, all or nothing."""
from __future__ import annotations

import pytest

from bench import people as bench
from clickar import contracts


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of a few hundred rows, so a 3,000-row file takes the many-batch path."""
    monkeypatch.setattr(contracts, "COPY_BATCH", 700)
    monkeypatch.setattr(contracts, "INSERT_BATCH", 300)


def _count(app):
    from clickar.db import database
    from clickar.models import Contract

    with app.app_context():
        database.connect(reuse_if_open=True)
        n = Contract.select().where(Contract.policy_number.startswith(bench.POLICY_PREFIX)).count()
        database.close()
    return n


def test_a_big_file_is_imported_in_batches_with_progress(app, runner, tmp_path, small_batches):
    from clickar import matching
    from clickar.db import database
    from clickar.models import Contract

    path = tmp_path / "contracts.csv"
    bench.write_csv(path, 3000)
    result = runner.invoke(args=["contracts", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported 3000 contract(s): 3000 new, 0 updated" in result.output
    assert "checked 3,000 rows, no problems" in result.output
    assert "written 3,000 / 3,000 rows (100 %" in result.output
    assert _count(app) == 3000
    with app.app_context():
        database.connect(reuse_if_open=True)
        for i in (0, 1234, 2999):
            contract = Contract.by_policy_number(bench.policy_number(i))
            assert contract.name == bench.contract_row(i)["name"]
            assert matching.matches(contract.match_form, bench.typed_identity(i))  # normal forms stored
        database.close()

    again = runner.invoke(args=["contracts", "import", str(path)])
    assert "imported 3000 contract(s): 0 new, 3000 updated" in again.output
    assert _count(app) == 3000


def test_one_bad_row_at_the_end_of_a_big_file_writes_nothing(app, runner, tmp_path, small_batches):
    path = tmp_path / "contracts.csv"
    bench.write_csv(path, 2000)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("BN99999999,誤り 太郎,ゴリ タロウ,1980-02-30,160-0023,東京都新宿区西新宿二丁目8番1号,"
                 "03-1234-5678,,プリウス,2025-04-01,2026-04-01,株式会社ベンチ商事,代理店,03-5000-1234\n")
    result = runner.invoke(args=["contracts", "import", str(path)])
    assert result.exit_code == 1
    assert "line 2002: birth_date: not a date (YYYY-MM-DD)" in result.output
    assert "nothing was written" in result.output
    assert _count(app) == 0


def test_a_cp932_file_is_read_as_such(app, runner, tmp_path):
    utf8 = tmp_path / "utf8.csv"
    bench.write_csv(utf8, 50)
    cp932 = tmp_path / "cp932.csv"
    cp932.write_bytes(utf8.read_text(encoding="utf-8").encode("cp932"))
    result = runner.invoke(args=["contracts", "import", str(cp932)])
    assert result.exit_code == 0 and "50 new" in result.output


def test_worker_processes_compute_the_normal_forms_for_huge_files(app, runner, tmp_path, database_url,
                                                                  monkeypatch):
    if not database_url.startswith("postgres"):
        pytest.skip("the COPY path is PostgreSQL's")
    monkeypatch.setattr(contracts, "COPY_BATCH", 400)
    monkeypatch.setattr(contracts, "PARALLEL_MIN_ROWS", 1)
    path = tmp_path / "contracts.csv"
    bench.write_csv(path, 2000)
    result = runner.invoke(args=["contracts", "import", str(path)])
    assert result.exit_code == 0 and "2000 new" in result.output
    assert _count(app) == 2000
