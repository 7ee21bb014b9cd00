"""What every screen shares: its heading, its error summary, waiting for it."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect


class Screen:
    """A page object: one screen, found by its <h1> (the flyer's name for the step)."""

    heading: str = ""
    path: str = ""

    def __init__(self, page: Page):
        self.page = page

    def expect_shown(self) -> "Screen":
        expect(self.page.get_by_role("heading", level=1, name=self.heading, exact=True)).to_be_visible()
        return self

    def expect_fits_the_screen(self) -> "Screen":
        """Nothing sticks out sideways: the page never scrolls horizontally on this phone."""
        overflow = self.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{self.heading or self.page.url}: {overflow}px wider than the screen"
        return self

    def open(self) -> "Screen":
        self.page.goto(self.path)
        return self.expect_shown()

    def submit(self, control) -> None:
        """Click a button or link that replaces what #main shows, and wait until it has.

        Works alike for an htmx swap and a full page load (JS off): whatever
        #main held before is marked, and the click is done once no mark is left.
        This keeps a test from acting on the previous screen's leftovers (an
        earlier error summary, say) while the answer is still on its way.
        """
        self.page.locator("#main").evaluate(
            "main => { for (const child of main.children) child.setAttribute('data-e2e-stale', '') }")
        control.click()
        expect(self.page.locator("[data-e2e-stale]")).to_have_count(0)

    # -- pieces every form screen has

    def button(self, name: str):
        return self.page.get_by_role("button", name=name, exact=True)

    def link(self, name: str):
        return self.page.get_by_role("link", name=name, exact=True)

    def field(self, label: str):
        return self.page.get_by_label(label, exact=True)

    @property
    def error_summary(self):
        return self.page.locator(".error-summary")

    def errors(self) -> list[str]:
        """The error summary's items, as the customer reads them."""
        return [t.strip() for t in self.error_summary.locator("li").all_inner_texts()]

    def field_errors(self) -> list[str]:
        return [t.replace("エラー：", "").strip()
                for t in self.page.locator(".field__error").all_inner_texts()]

    def url_path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.page.url)
