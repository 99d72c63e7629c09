"""ARCHITECTURE.md: rules are plain functions on plain values, no Flask, no database."""
import ast
import pathlib

import pytest

RULES = pathlib.Path(__file__).resolve().parents[2] / "backoffice" / "rules"
FORBIDDEN = {
    "flask",
    "flask_appbuilder",
    "flask_babel",
    "flask_sqlalchemy",
    "sqlalchemy",
    "rq",
    "redis",
    "psycopg",
}


def imported_roots(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("path", sorted(RULES.glob("*.py")), ids=lambda p: p.name)
def test_rule_module_imports_no_framework(path):
    assert not set(imported_roots(path)) & FORBIDDEN
