"""PWA: manifest, service worker, offline page, health."""
from .views import bp

__all__ = ["bp"]
