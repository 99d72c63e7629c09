"""Client archive screens and APIs: clients, contacts, purchases, business formats (SPEC §2)."""
from flask import g, render_template, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import InputRequired

from backoffice.clock import business_today
from backoffice.models import BusinessFormat, Client, Contact, PurchaseRecord
from backoffice.models.choices import MarketType
from backoffice.views.base import ScopedApi, ScopedModelView
from backoffice.views.client_print import client_print_context
from backoffice.views.labels import AUDIT_FIELDSET, LABELS
from backoffice.views.tickets import CallbackRecordView, TicketView
from backoffice.views.tiers import ClientTierView, TierHistoryView
from backoffice.views.visits import VisitLogView


class ContactView(ScopedModelView):
    datamodel = SQLAInterface(Contact)
    list_columns = ["client", "name", "title", "phone", "email", "primary"]
    mobile_columns = ["client", "name", "phone"]  # a phone card (views/cards.py)
    show_columns = ["client", "name", "title", "phone", "email", "primary"]
    add_columns = edit_columns = ["client", "name", "title", "phone", "email", "primary"]
    search_columns = ["client", "name", "phone", "primary"]
    base_order = ("name", "asc")


class PurchaseRecordView(ScopedModelView):
    datamodel = SQLAInterface(PurchaseRecord)
    list_columns = ["client", "month", "quantity", "amount", "profit"]
    mobile_columns = ["client", "month", "amount"]  # a phone card (views/cards.py)
    show_columns = list_columns
    add_columns = edit_columns = ["client", "month", "quantity", "amount", "profit"]
    search_columns = ["client", "month", "quantity", "amount"]
    base_order = ("month", "desc")


class BusinessFormatView(ScopedModelView):
    datamodel = SQLAInterface(BusinessFormat)
    list_columns = ["code", "name", "verified"]
    show_columns = add_columns = edit_columns = ["code", "name", "verified"]
    search_columns = ["code", "name", "verified"]
    base_order = ("code", "asc")


CLIENT_FORM = [
    "code", "name", "licence_no", "status", "business_format", "market_type", "region_class",
    "category", "quality", "settlement", "department", "owner", "area", "route", "address",
    "phone", "proprietor_birthday", "joined_on", "development_potential", "notes",
]


def market_type_field():
    """The market type select. A code other than C/X is passed on to ``Client.business_errors``
    (SPEC §3: "Market type must be C or X") so the form says that, not wtforms' generic
    "could not coerce"."""
    codes = {m.value for m in MarketType}
    return SelectField(
        LABELS["market_type"],
        choices=MarketType.choices,
        render_kw={"class": "form-control"},
        coerce=lambda v: MarketType(v) if v in codes else v,
        validate_choice=False,
        validators=[InputRequired()],
    )


class ClientView(ScopedModelView):
    datamodel = SQLAInterface(Client)
    add_form_extra_fields = {"market_type": market_type_field()}
    edit_form_extra_fields = {"market_type": market_type_field()}
    list_columns = [
        "code", "name", "business_format", "market_type", "region_class", "composite_code",
        "service_level", "key_account", "owner", "department", "status",
    ]
    mobile_columns = ["code", "name", "service_level", "status"]  # a phone card (views/cards.py)
    search_columns = [
        "code", "name", "licence_no", "status", "business_format", "market_type", "region_class",
        "composite_code", "scale", "service_level", "key_account", "owner", "department", "area",
        "category", "quality", "settlement",
    ]
    order_columns = ["code", "name", "composite_code", "service_level", "status", "key_account"]
    add_columns = CLIENT_FORM
    edit_columns = CLIENT_FORM
    show_fieldsets = [
        (_l("Basic information"), {"fields": ["code", "name", "licence_no", "status", "category", "quality", "settlement"]}),
        (_l("Business"), {"fields": [
            "business_format", "market_type", "region_class", "composite_code", "scale",
            "service_level", "key_account", "development_potential",
        ]}),
        (_l("Responsibility"), {"fields": ["department", "owner", "area", "route"]}),
        (_l("Contact details"), {"fields": ["address", "phone", "proprietor_birthday", "joined_on"]}),
        (_l("Notes"), {"fields": ["notes"]}),
        AUDIT_FIELDSET,
    ]
    add_fieldsets = edit_fieldsets = [
        (_l("Basic information"), {"fields": ["code", "name", "licence_no", "status", "category", "quality", "settlement"]}),
        (_l("Business"), {"fields": ["business_format", "market_type", "region_class", "development_potential"]}),
        (_l("Responsibility"), {"fields": ["department", "owner", "area", "route"]}),
        (_l("Contact details"), {"fields": ["address", "phone", "proprietor_birthday", "joined_on"]}),
        (_l("Notes"), {"fields": ["notes"]}),
    ]
    description_columns = {
        "code": _l("Unique client code."),
        "market_type": _l("C = urban, X = rural; first letter of the composite code."),
    }
    related_views = [ContactView, PurchaseRecordView, ClientTierView, TicketView, CallbackRecordView, VisitLogView,
                     TierHistoryView]  # 回访记录 in the archive (seed 002 第二十條)
    base_order = ("code", "asc")
    show_template = "print/client_show.html"  # the show page (History tab) plus a Print button

    @expose("/print/<int:pk>")
    @has_access
    @permission_name("show")
    def print_view(self, pk):
        """The record on one A4 page (seed 003 打印, SPEC §9); 404 outside the user's scope."""
        client = self._scoped_get(pk)
        return render_template(
            "print/client.html", printed_on=business_today().isoformat(), printed_by=str(g.user),
            back_url=url_for("ClientView.show", pk=pk), **client_print_context(client),
        )


class ClientApi(ScopedApi):
    resource_name = "client"
    datamodel = SQLAInterface(Client)
    list_columns = [
        "id", "code", "name", "status", "market_type", "business_format.code", "region_class",
        "composite_code", "scale", "service_level", "key_account", "owner.name", "department.name",
    ]
    show_columns = ["id"] + CLIENT_FORM + ["composite_code", "scale", "service_level", "key_account"]
    add_columns = edit_columns = CLIENT_FORM
    search_columns = ["code", "name", "status", "market_type", "business_format", "region_class", "owner", "department", "service_level"]
    order_columns = ["code", "name", "composite_code"]


class ContactApi(ScopedApi):
    resource_name = "contact"
    datamodel = SQLAInterface(Contact)
    list_columns = ["id", "client.code", "name", "title", "phone", "email", "primary"]
    show_columns = ["id", "client.id", "name", "title", "phone", "email", "primary"]
    add_columns = edit_columns = ["client", "name", "title", "phone", "email", "primary"]


class PurchaseRecordApi(ScopedApi):
    resource_name = "purchase"
    datamodel = SQLAInterface(PurchaseRecord)
    list_columns = ["id", "client.code", "month", "quantity", "amount", "profit"]
    show_columns = ["id", "client.id", "month", "quantity", "amount", "profit"]
    add_columns = edit_columns = ["client", "month", "quantity", "amount", "profit"]
    search_columns = ["client", "month"]


class BusinessFormatApi(ScopedApi):
    resource_name = "business_format"
    datamodel = SQLAInterface(BusinessFormat)
    list_columns = show_columns = ["id", "code", "name", "verified"]
    add_columns = edit_columns = ["code", "name", "verified"]
