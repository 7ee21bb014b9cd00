"""Login, one-time passwords and trusted devices."""
