"""Fixtures for the matching tests."""

from __future__ import annotations

import pytest

from clickar.matching import contract_normal_form
from matching_support import CONTRACT


@pytest.fixture
def normal_form():
    return contract_normal_form(CONTRACT)
