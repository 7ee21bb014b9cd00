"""A finished renewal is the flyer funnel's last step, counted once per member."""
from __future__ import annotations


def test_finished_renewal_counts_once_in_the_funnel(taro, app):
    from clickar.models import FunnelEvent

    taro.renew()
    taro.confirm()  # a double submit adds nothing
    with app.app_context():
        rows = list(FunnelEvent.select().where(FunnelEvent.kind == "renewed"))
    assert len(rows) == 1
