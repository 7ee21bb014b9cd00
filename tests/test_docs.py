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


def test_every_screenshot_the_readme_shows_exists():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    named = re.findall(r"\]\((docs/screenshots/[^)]+\.png)\)", (root / "README.md").read_text(encoding="utf-8"))
    assert len(named) >= 10
    missing = [name for name in named if not (root / name).is_file()]
    assert not missing, f"README.md shows screenshots that are not there: {missing}"
