"""Demo data for the renewal, loaded by `flask --app wsgi demo seed` (idempotent):
the demo group's payment plan, the demo contracts' current conditions, and the
illustrative rate table (clickar/renewal/data/demo_rates.csv) when none is loaded.
"""
from __future__ import annotations

from ..db import database
from ..models import Group, RateTable, now
from . import imports, plans

DEMO_GROUP = {"name": "株式会社クリックカー商事", "installments": 12, "agency_email": "agency@example.jp"}

DEMO_CONDITIONS = [
    {"policy_number": "SJ24000101", "grade": 15, "claims": 0, "driver_scope": "family", "driver_age": "35",
     "vehicle": "general", "deductible": "5-10", "purpose": "commute", "mileage": "10000"},
    {"policy_number": "SJ24000102", "grade": 8, "claims": 0, "driver_scope": "couple", "driver_age": "26",
     "vehicle": "economy", "deductible": "10-10", "purpose": "leisure", "mileage": "5000"},
    {"policy_number": "SJ24000201", "grade": 11, "claims": 1, "driver_scope": "self", "driver_age": "26",
     "vehicle": "none", "deductible": "", "purpose": "leisure", "mileage": "3000"},
]


def seed() -> list[str]:
    """Returns what was done, one line each, for the seed command to print."""
    done = []
    with database.atomic():
        group = Group.by_name(DEMO_GROUP["name"])
        if group is None:
            Group.create(**DEMO_GROUP, updated_at=now())
            done.append(f"group {DEMO_GROUP['name']}: 12回（給与天引き）, renewal 90–14 days before 保険終期")
        created, updated = imports.upsert_conditions(DEMO_CONDITIONS)
        done.append(f"contract conditions: {created} new, {updated} updated")
        if RateTable.current() is None:
            rates = plans.demo_rates()
            RateTable.create(name=plans.DEMO_RATES_NAME, illustrative=True, rates=rates.to_json(), loaded_at=now())
            done.append(f"rate table: {plans.DEMO_RATES_NAME}")
    return done
