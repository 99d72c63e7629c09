"""Shared fixtures.

Integration tests take ``app`` and run once on SQLite and once on the real PostgreSQL server, each
in a database of its own made for this run (dropped at the end). The schema comes from the Alembic
migrations and the roles from ``flask backoffice init``, exactly as in production.
"""
import contextlib
import os
import uuid

import pytest

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_database():
    import psycopg

    name = f"bo_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base.replace('postgresql://', 'postgresql+psycopg://')}/{name}"

    def drop():
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


def make_app(backend, tmp_path_factory, **overrides):
    from backoffice import create_app

    instance = tmp_path_factory.mktemp(f"instance-{backend}")
    os.environ.setdefault("BACKOFFICE_INSTANCE", str(instance))
    drop = None
    if backend == "sqlite":
        url = f"sqlite:///{instance / 'test.db'}"
    else:
        url, drop = _pg_database()
    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "TESTING": True,
        "SECRET_KEY": "test-secret-of-thirty-two-bytes-or-more",  # HS256 wants >= 32 bytes
        "REDIS_URL": None,
        "RATELIMIT_ENABLED": False,
    }
    config.update(overrides)
    app = create_app(config)
    with app.app_context():
        from backoffice.cli import initialise

        initialise()
    return app, drop


@contextlib.contextmanager
def world_app(backend, tmp_path_factory, **overrides):
    """An app on a database of its own holding the ``tests/world.py`` company; removed afterwards.

    Every app fixture (session, module, job, CSRF, embedded) is built with this one helper.
    """
    app, drop = make_app(backend, tmp_path_factory, **overrides)
    app.backend = backend
    with app.app_context():
        from tests.world import build_world

        app.world = build_world()
    try:
        yield app
    finally:
        from backoffice.extensions import db

        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if drop:
            drop()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def app(request, tmp_path_factory):
    """A fresh app per backend whenever the tests switch backend, which under ``--dist loadfile``
    is about once per file: every file starts on a new database. Sharing one app per backend
    across files (tried on 2026-12-01: 11 instead of 15 minutes) let each module's leftovers
    change what another module counts, on SQLite (orphans, ids given again) and PostgreSQL alike,
    and which files shared a worker changed from run to run."""
    with world_app(request.param, tmp_path_factory) as app:
        yield app


@pytest.fixture
def world(app):
    return app.world


@pytest.fixture
def db_session(app):
    from backoffice.extensions import db

    with app.app_context():
        yield db.session
        db.session.rollback()


class Browser:
    """A logged-in test client (the Flask tutorial's AuthActions, adapted to FAB)."""

    def __init__(self, app, username):
        self.app = app
        self.client = app.test_client()
        self.username = username
        r = self.client.post("/login/", data={"username": username, "password": PASSWORD})
        assert r.status_code == 302, f"login failed for {username}"
        self._token = None

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, **kw):
        return self.client.post(url, **kw)

    @property
    def token(self):
        if self._token is None:
            r = self.app.test_client().post(
                "/api/v1/security/login",
                json={"username": self.username, "password": PASSWORD, "provider": "db", "refresh": False},
            )
            assert r.status_code == 200, r.data
            self._token = r.json["access_token"]
        return self._token

    def api(self, method, url, **kw):
        headers = kw.pop("headers", {})
        headers["Authorization"] = f"Bearer {self.token}"
        return getattr(self.app.test_client(), method)(url, headers=headers, **kw)


PASSWORD = "Test-pass-2026"


@pytest.fixture
def login(app):
    def _login(username):
        return Browser(app, username)

    return _login
