"""Tier schemes, tiers, clients' current tiers with manual overrides, and tier history (SPEC §3)."""
from flask_appbuilder.models.sqla.interface import SQLAInterface

from backoffice.extensions import db
from backoffice.models import ClientTier, Tier, TierHistory, TierScheme
from backoffice.models.tiers import in_use_message
from backoffice.seed_names import localised
from backoffice.services import CommandError
from backoffice.services.tiers import stamp_override
from backoffice.views.base import ScopedApi, ScopedModelView


def check_not_in_use(item):
    """A tier or scheme still referred to is not deleted (models/tiers.py RECALC_REFERENCES):
    refused before anything is written, screen (an error on the list) and API (409) alike."""
    message = in_use_message(item, db.session.connection(), localised)
    if message:
        raise CommandError(message, status=409)


class TierView(ScopedModelView):
    datamodel = SQLAInterface(Tier)
    list_columns = ["scheme", "code", "name", "rank", "min_amount", "visit_interval_days"]
    mobile_columns = ["code", "name", "min_amount"]  # a phone card (views/cards.py)
    show_columns = list_columns + ["entitlements"]
    add_columns = edit_columns = ["scheme", "code", "name", "rank", "min_amount", "visit_interval_days", "entitlements"]
    search_columns = ["scheme", "code", "name"]
    base_order = ("scheme_id", "asc")

    def pre_delete(self, item):
        check_not_in_use(item)  # a tier still in use (models/tiers.py)


class TierSchemeView(ScopedModelView):
    datamodel = SQLAInterface(TierScheme)
    list_columns = ["code", "name", "kind", "period_kind", "source", "active"]
    show_columns = list_columns + ["description"]
    add_columns = edit_columns = ["code", "name", "kind", "period_kind", "source", "active", "description"]
    search_columns = ["code", "name", "kind", "active"]
    related_views = [TierView]
    base_order = ("code", "asc")

    def pre_delete(self, item):
        check_not_in_use(item)


_stamp_override = stamp_override  # the former name


class ClientTierView(ScopedModelView):
    datamodel = SQLAInterface(ClientTier)
    list_columns = ["client", "scheme", "tier", "computed_tier", "override_tier", "period"]
    show_columns = [
        "client", "scheme", "tier", "computed_tier", "score", "period",
        "override_tier", "override_reason", "override_by", "override_on",
    ]
    add_columns = ["client", "scheme", "override_tier", "override_reason"]
    edit_columns = ["override_tier", "override_reason"]
    search_columns = ["client", "scheme", "tier", "period"]

    # The screen's edit form and the API's PUT are the override command's two callers.
    api_actions = {"edit": "PUT /api/v1/client_tier/{pk}"}

    def pre_add(self, item):
        stamp_override(item)

    def pre_update(self, item):
        stamp_override(item)


class TierHistoryView(ScopedModelView):
    datamodel = SQLAInterface(TierHistory)
    list_columns = ["client", "scheme", "period", "score", "rank", "pool_size", "old_tier", "new_tier", "run_id"]
    mobile_columns = ["client", "period", "new_tier"]  # a phone card (views/cards.py)
    show_columns = list_columns + ["created_on"]
    search_columns = ["client", "scheme", "period"]
    base_permissions = ["can_list", "can_show"]
    base_order = ("period", "desc")


class TierSchemeApi(ScopedApi):
    resource_name = "tier_scheme"
    datamodel = SQLAInterface(TierScheme)
    list_columns = show_columns = ["id", "code", "name", "kind", "period_kind", "source", "active"]
    add_columns = edit_columns = ["code", "name", "kind", "period_kind", "source", "active", "description"]

    def pre_delete(self, item):
        check_not_in_use(item)


class TierApi(ScopedApi):
    resource_name = "tier"
    datamodel = SQLAInterface(Tier)
    list_columns = show_columns = ["id", "scheme.id", "code", "name", "rank", "min_amount", "visit_interval_days"]
    add_columns = edit_columns = ["scheme", "code", "name", "rank", "min_amount", "visit_interval_days", "entitlements"]

    def pre_delete(self, item):
        check_not_in_use(item)


class ClientTierApi(ScopedApi):
    resource_name = "client_tier"
    datamodel = SQLAInterface(ClientTier)
    list_columns = show_columns = [
        "id", "client.id", "scheme.id", "tier.id", "computed_tier.id", "override_tier.id",
        "override_reason", "period", "score",
    ]
    add_columns = ["client", "scheme", "override_tier", "override_reason"]
    edit_columns = ["override_tier", "override_reason"]

    def pre_add(self, item):
        super().pre_add(item)
        stamp_override(item)

    def pre_update(self, item):
        super().pre_update(item)
        stamp_override(item)


class TierHistoryApi(ScopedApi):
    resource_name = "tier_history"
    datamodel = SQLAInterface(TierHistory)
    list_columns = show_columns = [
        "id", "client.id", "scheme.id", "period", "score", "rank", "pool_size", "old_tier.id", "new_tier.id",
    ]
    include_route_methods = {"get", "get_list", "info"}
