"""My Page: top, contracts."""
from .views import bp

__all__ = ["bp"]
