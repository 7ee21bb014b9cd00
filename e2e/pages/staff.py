"""The staff console's screens (スタッフログイン, campaigns, results) and the staff account the
e2e modules log in with, made with the real `flask --app wsgi staff create` command."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from .. import kit
from .base import Screen

STAFF_EMAIL = "e2e-marketing@example.jp"
STAFF_PASSWORD = "e2e-flyer-console-2026"


def make_staff(target, email: str, password: str, role: str = "marketing") -> None:
    """`flask --app wsgi staff create` on the local server's database (fine when it exists)."""
    if target.mode != "local":
        pytest.skip("needs `flask staff create` on the server's database (local mode)")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CLICKAR_")}
    environ.update({
        "CLICKAR_ENV": "testing",
        "CLICKAR_DATABASE_URL": f"sqlite:///{target.workdir / 'clickar-e2e.db'}",
        "CLICKAR_STAFF_PASSWORD": password,
    })
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "staff", "create", email, "--role", role],
        cwd=kit.ROOT, env=environ, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 or "already exists" in result.stderr, result.stderr


class StaffLogin(Screen):
    heading = "スタッフログイン"
    path = "/staff/login"

    def log_in(self, email: str, password: str) -> "CampaignList":
        self.field("メールアドレス").fill(email)
        self.field("パスワード").fill(password)
        self.button("ログイン").click()
        return CampaignList(self.page).expect_shown()


class CampaignList(Screen):
    heading = "キャンペーン一覧"
    path = "/staff/campaigns/"

    def new_campaign(self) -> "CampaignForm":
        self.submit(self.link("新しいキャンペーン"))
        return CampaignForm(self.page).expect_shown()


class CampaignForm(Screen):
    heading = "キャンペーンの作成"

    def create(self, name: str, target_label: str, label: str = "") -> "CampaignPage":
        self.field("キャンペーン名").fill(name)
        self.page.get_by_label(target_label).check()
        if label:
            self.field("団体名・配布グループ").fill(label)
        self.submit(self.button("作成する"))
        return CampaignPage(self.page, name).expect_shown()


class CampaignPage(Screen):
    def __init__(self, page, name: str):
        super().__init__(page)
        self.heading = name

    def code(self) -> str:
        text = self.page.locator(".qr-preview__caption").inner_text()
        return re.search(r"/R/([A-Z0-9]{8})$", text.strip()).group(1)

    def results(self) -> "ResultsPage":
        self.submit(self.link("結果"))
        return ResultsPage(self.page, self.heading).expect_shown()


class ResultsPage(Screen):
    def __init__(self, page, name: str):
        super().__init__(page)
        self.heading = f"{name}の結果"

    def count(self, step: str) -> int:
        return int(self.page.locator(f'#funnel tr[data-step="{step}"] td[data-count]').inner_text())
