"""The change log over the REST API, read-only (SPEC §2): list, show, info and CSV export.

There is no POST, PUT or DELETE route at all (HTTP 405), whatever the caller's role: the log is
written by ``backoffice.audit`` only.
"""
from flask_appbuilder.models.sqla.interface import SQLAInterface

from backoffice.models import ChangeLog
from backoffice.views.base import ScopedApi


class ChangeLogApi(ScopedApi):
    resource_name = "change_log"
    datamodel = SQLAInterface(ChangeLog)
    list_columns = show_columns = [
        "id", "at", "user.username", "action", "table_name", "record_id", "field", "old_value", "new_value",
        "summary", "details",
    ]
    search_columns = ["at", "user", "action", "table_name", "record_id", "field"]
    order_columns = ["at", "id", "table_name", "record_id"]
    base_order = ("at", "desc")
    include_route_methods = {"get", "get_list", "info", "export_csv"}
