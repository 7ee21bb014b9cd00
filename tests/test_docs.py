"""Every setting is documented in shared/INTERFACE.md and README.md (Datasette's test_docs habit)."""
from __future__ import annotations

from pathlib import Path

import pytest

from clickar.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("setting", [s.name for s in SETTINGS])
def test_every_setting_is_in_the_readme(setting):
    assert setting in (ROOT / "README.md").read_text(encoding="utf-8")


def test_interface_settings_all_exist():
    interface = ROOT.parent / "shared" / "INTERFACE.md"
    if not interface.exists():
        pytest.skip("shared/INTERFACE.md is not beside this checkout")
    names = {s.name for s in SETTINGS}
    for line in interface.read_text(encoding="utf-8").splitlines():
        if line.startswith("| CLICKAR_"):
            for name in line.split("|")[1].split(","):  # a row may name several settings
                assert name.strip() in names, name
