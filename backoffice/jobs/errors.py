"""``JobRefused``: imported by launchers (views, CLI, recalc planning) and by jobs alike, from a
module that imports nothing, so neither side needs the other (issue #10)."""


class JobRefused(Exception):
    """A launch that must not happen; the message is translated for the user."""
