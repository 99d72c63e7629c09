"""Coded values stored by code, shown by translated label.

Each class is a ``str`` enum: the value is the code kept in the database (checked by a CHECK
constraint), ``label`` is the lazily translated name a person sees. ``__str__`` returns the
label, so FAB's list and show pages print the right language without a formatter.
"""
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l


class Choice(str, enum.Enum):
    def __new__(cls, code, label):
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.label = label
        return obj

    def __str__(self):
        return str(self.label)

    @classmethod
    def choices(cls):
        """(code, label) pairs for select widgets, translated at call time."""
        return [(m.value, str(m.label)) for m in cls]

    @classmethod
    def coerce(cls, value):
        if value in (None, ""):
            return None
        return value if isinstance(value, cls) else cls(value)


def choice_column_type(cls, name):
    """A VARCHAR with a CHECK constraint listing the codes (portable to SQLite and PostgreSQL)."""
    return sa.Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in cls),
        values_callable=lambda c: [m.value for m in c],
        validate_strings=True,
    )


class ClientStatus(Choice):
    active = "active", _l("Active")
    inactive = "inactive", _l("Inactive")


class MarketType(Choice):
    # SPEC §3 composite code: C 城镇 / X 乡村
    C = "C", _l("Urban (C)")
    X = "X", _l("Rural (X)")


class RegionClass(Choice):
    city_a = "city_a", _l("City class A")
    city_b = "city_b", _l("City class B")
    town = "town", _l("Township")
    rural = "rural", _l("Countryside")


class Settlement(Choice):
    cash = "cash", _l("Cash")
    revolving = "revolving", _l("Revolving credit")
    monthly = "monthly", _l("Monthly settlement")


class ClientCategory(Choice):
    group_internal = "group_internal", _l("Group internal")
    sasac = "sasac", _l("SASAC system")
    strategic = "strategic", _l("Strategic partner")
    concrete = "concrete", _l("Concrete mixing station")
    intermediary = "intermediary", _l("Intermediary")
    key_project = "key_project", _l("Key project")
    other = "other", _l("Other")


class ClientQuality(Choice):
    good = "good", _l("High quality")
    ordinary = "ordinary", _l("Ordinary")


class ServiceLevel(Choice):
    # seed 004 Art. 7
    A = "A", _l("Service level A")
    B = "B", _l("Service level B")
    C = "C", _l("Service level C")


class Position(Choice):
    client_manager = "client_manager", _l("Client manager")
    market_manager = "market_manager", _l("Market manager")
    phone_order = "phone_order", _l("Phone order clerk")
    delivery = "delivery", _l("Delivery staff")
    clerk = "clerk", _l("Office clerk")
    service_desk = "service_desk", _l("Customer service")
    dept_head = "dept_head", _l("Department head")
    admin = "admin", _l("System administrator")
    inspector = "inspector", _l("Inspector")


class SchemeKind(Choice):
    annual_amount = "annual_amount", _l("Annual purchase amount")
    business_scale = "business_scale", _l("Business scale")
    service_level = "service_level", _l("Service level")
    key_account = "key_account", _l("Key account")


class PeriodKind(Choice):
    year = "year", _l("Calendar year")
    quarter = "quarter", _l("Calendar quarter")
    none = "none", _l("Not periodic")


class TicketType(Choice):
    complaint = "complaint", _l("Complaint")
    report = "report", _l("Report")
    inquiry = "inquiry", _l("Inquiry")
    opinion = "opinion", _l("Opinion")
    suggestion = "suggestion", _l("Suggestion")
    service_request = "service_request", _l("Service request")


class ComplaintClass(Choice):
    # seed 000: 一类 own service, 二类 supplier/product quality, 三类 external
    own_service = "own_service", _l("Class 1: own service")
    product = "product", _l("Class 2: supplier or product quality")
    external = "external", _l("Class 3: external")


class Severity(Choice):
    normal = "normal", _l("Normal")
    major = "major", _l("Major")


class Channel(Choice):
    hotline = "hotline", _l("Hotline")
    phone = "phone", _l("Phone")
    walk_in = "walk_in", _l("Walk-in")
    written = "written", _l("Written")
    email = "email", _l("E-mail")
    visit = "visit", _l("On-site visit")


class TicketStatus(Choice):
    registered = "registered", _l("Registered")
    in_progress = "in_progress", _l("In progress")
    fed_back = "fed_back", _l("Result fed back")
    called_back = "called_back", _l("Called back")
    closed = "closed", _l("Closed")
    escalated = "escalated", _l("Escalated")


class CallbackResult(Choice):
    satisfied = "satisfied", _l("Satisfied")
    basically = "basically", _l("Basically satisfied")
    unsatisfied = "unsatisfied", _l("Not satisfied")


class VisitKind(Choice):
    on_site = "on_site", _l("On-site")
    phone = "phone", _l("Phone")
    follow_up = "follow_up", _l("Follow-up")


class VisitPlanState(Choice):
    draft = "draft", _l("Planned")
    submitted = "submitted", _l("Submitted")
    approved = "approved", _l("Approved")
    rejected = "rejected", _l("Rejected")
    result_submitted = "result_submitted", _l("Result submitted")
    result_reviewed = "result_reviewed", _l("Result reviewed")


class SheetStatus(Choice):
    draft = "draft", _l("Draft")
    submitted = "submitted", _l("Submitted")
    approved = "approved", _l("Approved")
    objected = "objected", _l("Objection raised")
    final = "final", _l("Final")


class TargetResult(Choice):
    # SPEC §6 department adjustment
    exceeded = "exceeded", _l("Challenge target reached (+5%)")
    met = "met", _l("Target met")
    missed = "missed", _l("Target missed (-5%)")


class JobState(Choice):
    queued = "queued", _l("Queued")
    running = "running", _l("Running")
    finished = "finished", _l("Finished")
    failed = "failed", _l("Failed")
    cancelled = "cancelled", _l("Cancelled")


# --- Satisfaction surveys (SPEC §7) ---


class SurveyKind(Choice):
    semiannual = "semiannual", _l("Semiannual sample")  # seed 004 Art. 25
    top_purchasers = "top_purchasers", _l("Annual top purchasers")  # seed 002
    after_complaint = "after_complaint", _l("After a closed complaint")


class CampaignState(Choice):
    draft = "draft", _l("Draft")
    sampling = "sampling", _l("Sampling")
    open = "open", _l("Open")
    closed = "closed", _l("Closed")


class InvitationChannel(Choice):
    online = "online", _l("Online link")
    phone = "phone", _l("Phone call")
    visit = "visit", _l("Visit")


class QuestionDimension(Choice):
    # seed 004 Art. 25: 卷烟供应, 价格, 服务质量, 客户需求, and the staff serving the client
    supply = "supply", _l("Cigarette supply")
    price = "price", _l("Price")
    service = "service", _l("Service quality")
    needs = "needs", _l("Client needs")
    staff = "staff", _l("Staff rating")
