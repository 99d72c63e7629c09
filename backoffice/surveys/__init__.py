"""Satisfaction surveys (SPEC §7): seeding, sampling, invitations, aggregation and hooks.

The answer channels (public token page, service-desk phone entry, CSV import) live in
``public.py``, ``answers.py`` and ``imports.py``.
"""
