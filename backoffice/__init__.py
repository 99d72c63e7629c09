"""The client-service back office: ``create_app`` builds one Flask app with its own AppBuilder."""
from flask import Flask
from flask_appbuilder import AppBuilder

from backoffice.extensions import db, migrate


def create_app(config=None):
    """Build the app. ``config`` is a Config instance or class, an import path, or a dict of overrides."""
    import config as config_module

    app = Flask(__name__, instance_relative_config=False)
    if config is None or isinstance(config, dict):
        app.config.from_object(config_module.Config())
        app.config.update(config or {})
    elif isinstance(config, str):
        app.config.from_object(config)
    else:
        app.config.from_object(config() if isinstance(config, type) else config)

    # Imported here, not at the top: `import backoffice.rules...` (unit tests, the worker's
    # start) must not load the ORM, the views and the CLI; nothing below imports this package.
    from backoffice import listeners, models  # noqa: F401  (models registers the tables)
    from backoffice.security import web as web_security
    from flask_appbuilder.models.sqla import Model

    listeners.install(app)  # derived fields, change log, survey hooks, in that order (listeners.py)

    with app.app_context():
        db.init_app(app)
        migrate.init_app(app, db, directory=str(config_module.BASE_DIR / "migrations"))
        from backoffice.views.home import HomeView

        appbuilder = AppBuilder(indexview=HomeView, update_perms=app.config.get("FAB_UPDATE_PERMS", True))
        web_security.prepare(app)  # CSRF, limiter storage: before FAB builds its views
        appbuilder.init_app(app, db.session)
        from backoffice.views import register

        register(appbuilder)
        web_security.init_app(app, appbuilder)  # headers, sign-in throttling, sign-out, JWT 401
        from backoffice.views import screen_language

        screen_language.install(app, appbuilder)  # brand, names, scripts' locale, 403/404 (issue #11)
    # after screen_language: 400/404/405/422 keep the message of the abort that raised them
    from backoffice.views.errors import register as register_error_answers  # issue #9: no 5xx on bad input

    register_error_answers(app)
    from backoffice.views import time_limit  # issue #16: statement_timeout per request -> 503

    with app.app_context():
        time_limit.install(app)

    from backoffice.cli import backoffice_cli

    app.cli.add_command(backoffice_cli)
    app.extensions["backoffice_metadata"] = Model.metadata
    return app
