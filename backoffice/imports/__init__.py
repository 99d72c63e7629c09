"""Bulk imports of clients and monthly purchases from CSV or XLSX (SPEC §9).

- ``reading``: file type, encoding, header mapping, pandas read, cell converters (pure);
- ``clients``, ``purchases``: a row's text -> values + errors, with the forms' rules;
- ``checks``: the forms' generic checks (uniqueness, row scope) answered in bulk;
- ``apply``: the whole import in one transaction (all or nothing, or the valid rows);
- ``uploads``: uploaded files kept under the instance folder, keyed by their hash.
"""
