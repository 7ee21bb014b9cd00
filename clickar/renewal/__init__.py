"""更新のお手続き: the renewal wizard, its rating, the renewal period, exports.

views.py (thin) · wizard.py (steps, draft, 確定, 取消) · rating.py (the premium,
pure) · window.py (受付期間, pure) · plans.py (conditions, group plan, rates,
status) · imports.py (groups/rates CSV) · export.py (CSV for the insurer) ·
cli.py (`groups import`, `rates import`, `renewals export`, `changes export`).
"""
from . import cli  # noqa: F401  (attaches the commands to bp.cli)
from .views import bp

__all__ = ["bp"]
