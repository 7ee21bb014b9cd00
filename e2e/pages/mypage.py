"""My Page: the top with each contract, and a contract's detail."""
from __future__ import annotations

from playwright.sync_api import expect

from .base import Screen


def jdate(iso: str) -> str:
    """2026-04-01 → 2026年4月1日, as My Page prints dates."""
    year, month, day = (int(part) for part in iso.split("-"))
    return f"{year}年{month}月{day}日"


class MyPageTop(Screen):
    """マイページトップ: 車名, 保険始期 … and 更新のお手続き per contract."""

    heading = "マイページトップ"
    path = "/mypage/"

    def card(self, car_name: str):
        return self.page.locator(".card").filter(
            has=self.page.get_by_role("heading", name=car_name, exact=True))

    def expect_contract(self, contract: dict) -> "MyPageTop":
        """車名、保険始期など表示内容から、更新のご契約であることを確認します。"""
        card = self.card(contract["car_name"])
        expect(card).to_be_visible()
        expect(card).to_contain_text("保険始期")
        expect(card).to_contain_text(jdate(contract["insurance_start"]))
        expect(card).to_contain_text(contract["policy_number"])
        expect(card.get_by_role("link", name="更新のお手続き", exact=True)).to_be_visible()
        return self

    def car_names(self) -> list[str]:
        return [t.strip() for t in self.page.locator(".card__title").all_inner_texts()]

    def start_renewal(self, car_name: str) -> Screen:
        """「更新のお手続き」ボタンを押します (the renewal area's first screen follows)."""
        self.submit(self.card(car_name).get_by_role("link", name="更新のお手続き", exact=True))
        return Screen(self.page)

    def open_contract(self, car_name: str) -> "ContractPage":
        """ご契約内容を見る: the contract's detail."""
        self.submit(self.card(car_name).get_by_role("link", name="ご契約内容を見る", exact=True))
        page = ContractPage(self.page)
        page.heading = f"ご契約内容（{car_name}）"
        return page.expect_shown()

    def log_out(self):
        from .auth import LoginPage

        self.submit(self.button("ログアウト"))
        login = LoginPage(self.page).expect_shown()
        expect(self.page.get_by_text("ログアウトしました。")).to_be_visible()
        return login


class ContractPage(Screen):
    """ご契約内容（車名）."""

    heading = "ご契約内容"
