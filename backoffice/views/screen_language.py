"""The parts of FAB's layout that do not follow the session's language by themselves (issue #11).

- The brand and the browser title (``APP_NAME``): a ``str`` that is the configured name for FAB's
  OpenAPI spec and everything outside a request, and renders translated in templates.
- The scripts' words: bootstrap-datepicker's month and day names and select2's messages ("No
  results found") come from the locale files under ``static/js/locale/``, one per language (a few lines each, written from the libraries' own locale files), vendored
  (no CDN: the CSP allows only our own scripts). ``client_locale_script`` names the session's one;
  ``templates/appbuilder/navbar.html`` loads it.
- 403 and 404: a page inside the application's layout, in the user's language, with a way back
  (Werkzeug's default pages are English and leave the application).
- Names family first and role names translated (``backoffice/security/names.py``); seeded
  reference data in the user's language (``backoffice/seed_names.py``).
"""
from flask import current_app, g, has_request_context, jsonify, render_template, request
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from markupsafe import escape
from werkzeug.exceptions import Forbidden, NotFound

from backoffice import seed_names
from backoffice.security import names

DEFAULT_APP_NAME = "客户服务后台"

# The locale file of each language (static/js/locale/<name>.js).
CLIENT_LOCALES = {"zh": "zh-CN", "zh_HK": "zh-TW", "en": "en"}


class LocalisedName(str):
    """The brand: the configured string, translated when a template prints it in a request."""

    def translated(self):
        if not has_request_context():
            return str.__str__(self)
        return _("Client-service back office")

    def __html__(self):
        return str(escape(self.translated()))


def client_locale_script():
    """The static path of the date picker / select2 locale file of the session's language, or None.

    Babel reads the LANGUAGES code zh_HK as zh_Hant_HK: Traditional is told by script or territory."""
    locale = get_locale()
    if locale is None:
        return None
    if locale.language == "zh":
        traditional = locale.script == "Hant" or locale.territory in ("HK", "TW", "MO")
        name = CLIENT_LOCALES["zh_HK" if traditional else "zh"]
    else:
        name = CLIENT_LOCALES.get(locale.language)
    return f"js/locale/{name}.js" if name else None


def _refusal(status, message):
    appbuilder = current_app.appbuilder
    if "user" not in g:
        g.user = current_user
    html = render_template(
        "security/refused.html", base_template=appbuilder.base_template, appbuilder=appbuilder,
        message=message, status=status,
    )
    return current_app.response_class(html, status=status, mimetype="text/html")


def install(app, appbuilder):
    if app.config.get("APP_NAME") == DEFAULT_APP_NAME:
        app.config["APP_NAME"] = LocalisedName(DEFAULT_APP_NAME)
    names.install(appbuilder)
    seed_names.install(appbuilder)
    app.jinja_env.globals["client_locale_script"] = client_locale_script

    def screen(error, status, message):
        if request.blueprint == "survey_public":  # the public survey page has a layout of its own
            return error
        if request.path.startswith("/api/"):  # the API answers JSON, as FAB's own refusals do
            response = jsonify(message=message)
            response.status_code = status
            return response
        return _refusal(status, message)

    @app.errorhandler(Forbidden)
    def forbidden(error):
        return screen(error, 403, _("You may not open this page. Ask an administrator if you need it."))

    @app.errorhandler(NotFound)
    def not_found(error):
        return screen(error, 404, _("This page or record does not exist, or is no longer there."))
