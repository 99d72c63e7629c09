"""The Alembic migrations and the models describe the same schema (on SQLite and PostgreSQL).

After ``flask backoffice init`` (which upgrades to every head), autogenerate must find nothing
to add, drop or alter: a model changed without its migration fails here.
"""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory


def _not_database_only(obj, name, type_, reflected, compare_to):
    from backoffice.collation import DATABASE_ONLY_INDEXES

    return not (type_ == "index" and name in DATABASE_ONLY_INDEXES)


def test_autogenerate_finds_no_difference(app):
    from flask_appbuilder import Model

    from backoffice.extensions import db

    with app.app_context():
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={
                "compare_type": True, "render_as_batch": True, "include_object": _not_database_only})
            diff = compare_metadata(ctx, Model.metadata)
    assert diff == [], f"models and migrations disagree; run `flask db migrate`:\n{diff}"


def test_the_database_is_at_the_latest_revision(app):
    from backoffice.extensions import db, migrate

    with app.app_context():
        script = ScriptDirectory(migrate.directory)
        with db.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    assert current == set(script.get_heads())
    assert len(script.get_heads()) == 1, "several migration heads: merge them (`flask db merge heads`)"
