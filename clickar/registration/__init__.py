"""マイページ会員登録: the flyer's steps 3–10."""
from .views import bp

__all__ = ["bp"]
