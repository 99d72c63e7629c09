"""The app the load test serves: the real one (``app:app``) plus, registered only here, a stock
Flask-AppBuilder ``ModelView`` on the same client table, to compare the list page against.

    gunicorn -c gunicorn.conf.py --pythonpath bench load_app:app

``StockClientView`` is what FAB gives out of the box: ``SQLAInterface``, the client list's own
columns, search columns, sort and page size, and -- for the row scope -- a ``base_filters`` entry
equivalent to a DeptHead's (the clients of the user's department and the departments below it,
``security.scope``: reach "dept"). No formatters, labels, cards, pinyin order or export button.
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask import g  # noqa: E402
from flask_appbuilder import ModelView  # noqa: E402
from flask_appbuilder.models.sqla.filters import FilterInFunction  # noqa: E402
from flask_appbuilder.models.sqla.interface import SQLAInterface  # noqa: E402

from backoffice import create_app  # noqa: E402
from backoffice.models import Client  # noqa: E402
from backoffice.views.clients import ClientView  # noqa: E402

STOCK_PERMISSION = ("can_list", "StockClientView")


def dept_subtree_of_current_user():
    """The department ids a DeptHead reaches, as a FAB app would write it: two small queries."""
    from backoffice.extensions import db

    dept = db.session.execute(sa.text("SELECT department_id FROM staff WHERE user_id = :u"),
                              {"u": g.user.id}).scalar()
    if dept is None:
        return []
    return list(db.session.execute(sa.text("""
        WITH RECURSIVE t AS (SELECT id FROM department WHERE id = :d
                             UNION ALL SELECT d.id FROM department d JOIN t ON d.parent_id = t.id)
        SELECT id FROM t"""), {"d": dept}).scalars())


class StockClientView(ModelView):
    datamodel = SQLAInterface(Client)
    route_base = "/stockclientview"
    list_columns = list(ClientView.list_columns)
    search_columns = list(ClientView.search_columns)
    order_columns = list(ClientView.order_columns)
    base_order = ClientView.base_order
    page_size = 25
    base_permissions = ["can_list"]
    base_filters = [["department_id", FilterInFunction, dept_subtree_of_current_user]]


def build(config=None):
    app = create_app(config)
    with app.app_context():
        app.appbuilder.add_view_no_menu(StockClientView())
    return app


def grant_stock_view(app, role="DeptHead"):
    """Give ``role`` the stock view's list permission (the bench's preparation calls this once)."""
    with app.app_context():
        sm = app.appbuilder.sm
        pv = sm.add_permission_view_menu(*STOCK_PERMISSION)
        sm.add_permission_role(sm.find_role(role), pv)


app = build() if os.environ.get("BACKOFFICE_LOAD_APP_LAZY") != "1" else None
