"""The test API tests' token (imported by name: tests/ has no packages)."""
from __future__ import annotations

TOKEN = "e2e-test-api-token-0123456789"
