"""Roles (declared in code), the row-scope mechanism, and the role sync."""
