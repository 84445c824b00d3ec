"""Placeholder: being written."""

MIGRATIONS: list[tuple[int, str, str]] = []
