"""Renewal fixtures: the demo group, conditions and illustrative rates, and a
logged-in member with RenewalActions that walk the six steps with the client
(defined once in tests/renewal_support.py, shared with tests/mypage/)."""
from renewal_support import _postgresql_where_it_matters, seeded, taro, taro_id  # noqa: F401 (fixtures)
