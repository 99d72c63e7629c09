"""Job runs and the change log: read-only screens (SPEC §2, §8)."""
from flask_appbuilder.models.sqla.interface import SQLAInterface

from backoffice.models import ChangeLog, JobRun
from backoffice.views.base import ScopedApi, ScopedModelView


class JobRunView(ScopedModelView):
    datamodel = SQLAInterface(JobRun)
    list_columns = ["id", "kind", "state", "progress_done", "progress_total", "launched_by", "queued_at", "ended_at"]
    show_columns = [
        "id", "kind", "queue", "params", "state", "progress_done", "progress_total", "launched_by",
        "queued_at", "started_at", "ended_at", "summary", "error",
    ]
    search_columns = ["kind", "state", "queued_at"]
    base_permissions = ["can_list", "can_show"]
    base_order = ("id", "desc")


class ChangeLogView(ScopedModelView):
    datamodel = SQLAInterface(ChangeLog)
    list_columns = ["at", "user", "action", "table_name", "record_id", "field", "old_value", "new_value"]
    show_columns = list_columns
    search_columns = ["at", "user", "action", "table_name", "record_id", "field"]
    base_permissions = ["can_list", "can_show"]
    base_order = ("at", "desc")


class JobRunApi(ScopedApi):
    resource_name = "job_run"
    datamodel = SQLAInterface(JobRun)
    list_columns = show_columns = [
        "id", "kind", "queue", "params", "state", "progress_done", "progress_total",
        "queued_at", "started_at", "ended_at", "summary", "error",
    ]
    include_route_methods = {"get", "get_list", "info"}
