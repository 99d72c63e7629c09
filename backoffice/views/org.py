"""Departments and staff (SPEC §2)."""
from flask_appbuilder.models.sqla.interface import SQLAInterface

from backoffice.models import Department, Staff
from backoffice.views.base import ScopedApi, ScopedModelView
from backoffice.views.surveys import staff_ratings


class StaffView(ScopedModelView):
    datamodel = SQLAInterface(Staff)
    list_columns = ["employee_no", "name", "department", "position", "phone", "active"]
    mobile_columns = ["name", "department", "phone"]  # a phone card (views/cards.py)
    show_columns = ["employee_no", "name", "user", "department", "position", "phone", "pay_base", "active"]
    add_columns = edit_columns = ["employee_no", "name", "user", "department", "position", "phone", "pay_base", "active"]
    search_columns = ["employee_no", "name", "department", "position", "active"]
    base_order = ("employee_no", "asc")
    show_template = "surveys/staff_show.html"  # adds the clients' survey ratings (SPEC §7)
    extra_args = {"staff_ratings": staff_ratings}


class DepartmentView(ScopedModelView):
    datamodel = SQLAInterface(Department)
    list_columns = ["code", "name", "parent", "head"]
    show_columns = add_columns = edit_columns = ["code", "name", "parent", "head"]
    search_columns = ["code", "name", "parent"]
    related_views = [StaffView]
    base_order = ("code", "asc")


class StaffApi(ScopedApi):
    resource_name = "staff"
    datamodel = SQLAInterface(Staff)
    list_columns = show_columns = ["id", "employee_no", "name", "department.id", "position", "phone", "active"]
    add_columns = edit_columns = ["employee_no", "name", "user", "department", "position", "phone", "pay_base", "active"]


class DepartmentApi(ScopedApi):
    resource_name = "department"
    datamodel = SQLAInterface(Department)
    list_columns = show_columns = ["id", "code", "name", "parent.id", "head.id"]
    add_columns = edit_columns = ["code", "name", "parent", "head"]
