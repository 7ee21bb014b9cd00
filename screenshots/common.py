"""What the screenshot scripts share: a local server with Debian's chromium, a phone context, one shot."""
from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from e2e import kit


@contextlib.contextmanager
def local_browser(prefix: str):
    """(server, playwright, browser): a server like the e2e kit's local mode, gone afterwards
    (its log is named on stderr when something failed)."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    server = kit.LocalServer(workdir, workdir / "server.log").start()
    try:
        with sync_playwright() as pw:
            browser = kit.launch_chromium(pw)
            try:
                yield server, pw, browser
            finally:
                browser.close()
    except Exception:
        print(f"server log: {server.log_path}", file=sys.stderr)
        raise
    finally:
        server.stop()
    shutil.rmtree(workdir, ignore_errors=True)


def phone_context(pw, browser, server, device: str, viewport: dict):
    """A context on `device`'s profile at this viewport, 1 CSS px = 1 image px."""
    options = kit.context_options(pw, device)
    options.update(viewport=viewport, device_scale_factor=1)
    context = browser.new_context(base_url=server.base_url, **options)
    context.set_default_timeout(15_000)
    return context


def snap(page, path: Path, full_page: bool = True) -> bytes:
    """The page from its top, nothing focused, no caret, no animation."""
    page.wait_for_load_state("networkidle")
    page.evaluate("() => { document.activeElement && document.activeElement.blur && document.activeElement.blur();"
                  " window.scrollTo(0, 0); }")
    png = page.screenshot(path=path, full_page=full_page, animations="disabled", caret="hide")
    print(path, flush=True)
    return png
