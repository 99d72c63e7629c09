"""Pure business rules: plain functions on plain values (no Flask, no database, no SQLAlchemy).

Each module holds one family of rules and cites the regulation it comes from (seed 00N, SPEC §n).
Views, REST APIs, imports and background jobs all call these same functions.
"""
