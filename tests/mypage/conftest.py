"""My Page fixtures: the renewal demo data and 山田 太郎 logged in, the same as tests/renewal/'s
(defined once in tests/renewal_support.py)."""
from renewal_support import _postgresql_where_it_matters, seeded, taro, taro_id  # noqa: F401 (fixtures)
