"""Bulk recalculation of tiers, business scale, service level and key accounts (SPEC §3, §8).

- ``plan``: validating a launch request (scheme, period) into a job kind, parameters and a
  deduplication key; used by the launch form, the CLI and anything else that starts a run.
- ``cli``: ``flask backoffice recalc SCHEME PERIOD``.
The job itself lives in ``backoffice.jobs.kind_recalc`` (the job registry imports ``kind_*``).
"""
