"""Clickar's end-to-end kit: Playwright on mobile profiles against a live server (README "For testers")."""
