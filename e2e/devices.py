"""Phone profiles the kit knows beyond Playwright's own list (README "For testers": adding a device).

Playwright ships ~200 profiles (`playwright.devices`); members in Japan also
use phones it does not list. Add one here with the numbers from the maker's
spec sheet: CSS viewport = screen pixels / device_scale_factor, the height
minus the browser's bars. DEVICE="<name>" then works like any other profile,
and DEVICES=mobile includes it.
"""
from __future__ import annotations

EXTRA_DEVICES: dict[str, dict] = {
    # Sharp AQUOS sense8 (docomo SH-54D): 1080×2340, 6.1", Android 14, Chrome.
    "AQUOS sense8": {
        "user_agent": ("Mozilla/5.0 (Linux; Android 14; SH-54D) AppleWebKit/537.36 "
                       "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"),
        "viewport": {"width": 393, "height": 760},
        "screen": {"width": 393, "height": 851},
        "device_scale_factor": 2.75,
        "is_mobile": True,
        "has_touch": True,
        "default_browser_type": "chromium",
    },
}
