"""Constants shared by the flyer console tests (imported as a plain module, like matching_support)."""

STAFF_PASSWORD = "flyer-console-2026"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")
