"""Tier schemes, tiers, each client's current tier per scheme, and recalculation history (SPEC §3)."""
import datetime as dt
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.clock import business_stamp
from backoffice.extensions import db
from backoffice.services.errors import CommandError

from .base import Model, Validated
from .choices import PeriodKind, SchemeKind, choice_column_type
from .clients import Client


class TierScheme(Validated, Model):
    __tablename__ = "tier_scheme"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[SchemeKind] = mapped_column(choice_column_type(SchemeKind, "ck_scheme_kind"))
    period_kind: Mapped[PeriodKind] = mapped_column(choice_column_type(PeriodKind, "ck_scheme_period"))
    source: Mapped[Optional[str]] = mapped_column(sa.String(100))  # the regulation it comes from
    active: Mapped[bool] = mapped_column(default=True)
    description: Mapped[Optional[str]] = mapped_column(sa.Text)
    # passive_deletes: a scheme with tiers is refused by refuse_delete_in_use (below) rather than
    # having its tiers' scheme set to NULL first
    tiers: Mapped[list["Tier"]] = relationship(back_populates="scheme", order_by="Tier.rank", passive_deletes="all")

    def __repr__(self):
        return self.name


class Tier(Validated, Model):
    __tablename__ = "tier"
    __table_args__ = (
        sa.UniqueConstraint("scheme_id", "code", name="uq_tier_scheme_code"),
        sa.UniqueConstraint("scheme_id", "rank", name="uq_tier_scheme_rank"),
        sa.CheckConstraint("rank >= 1", name="ck_tier_rank"),
        sa.CheckConstraint("min_amount IS NULL OR min_amount >= 0", name="ck_tier_min_amount"),
        sa.CheckConstraint(
            "visit_interval_days IS NULL OR visit_interval_days >= 1", name="ck_tier_visit_interval"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("tier_scheme.id"), index=True)
    scheme: Mapped[TierScheme] = relationship(back_populates="tiers")
    code: Mapped[str] = mapped_column(sa.String(10))
    name: Mapped[str] = mapped_column(sa.String(50))
    rank: Mapped[int] = mapped_column()  # 1 = highest
    min_amount: Mapped[Optional[Decimal]] = mapped_column(sa.Numeric(14, 2), info={"money": True})  # lower bound, inclusive
    visit_interval_days: Mapped[Optional[int]] = mapped_column()
    entitlements: Mapped[Optional[str]] = mapped_column(sa.Text)  # one service per line

    def __repr__(self):
        # The tier's name ("A 级", "大客户"): its code ("KEY") is an internal key (issue #11);
        # screens listing tiers of several schemes show the scheme beside it.
        return self.name or self.code

    @classmethod
    def business_errors(cls, values, item=None):
        errors = {}
        if values.get("rank") is not None and values["rank"] < 1:
            errors["rank"] = _("Rank starts at 1 (the highest tier).")
        if values.get("min_amount") is not None and values["min_amount"] < 0:
            errors["min_amount"] = _("Must not be negative.")
        if values.get("visit_interval_days") is not None and values["visit_interval_days"] < 1:
            errors["visit_interval_days"] = _("At least one day.")
        errors.update(cls._threshold_order_errors(values, item))
        return errors

    @classmethod
    def _threshold_order_errors(cls, values, item=None):
        """The thresholds keep the ranks' order: A (rank 1) >= B >= C ... (issue #11: a B
        threshold above A's was accepted, and the scheme then assigned B to nobody)."""
        scheme, rank, amount = values.get("scheme"), values.get("rank"), values.get("min_amount")
        scheme_id = getattr(scheme, "id", None) or values.get("scheme_id")
        if scheme_id is None or rank is None or amount is None:
            return {}
        q = sa.select(cls.code, cls.name, cls.rank, cls.min_amount).where(
            cls.scheme_id == scheme_id, cls.min_amount.is_not(None), cls.rank != rank
        )
        if item is not None and item.id is not None:
            q = q.where(cls.id != item.id)
        for code, name, other_rank, other_amount in db.session.execute(q):
            if other_rank < rank and amount > other_amount:
                return {"min_amount": _(
                    "Must not be above the threshold of the higher tier %(tier)s (%(amount)s).",
                    tier=name or code, amount=f"¥{other_amount:,.2f}")}
            if other_rank > rank and amount < other_amount:
                return {"min_amount": _(
                    "Must not be below the threshold of the lower tier %(tier)s (%(amount)s).",
                    tier=name or code, amount=f"¥{other_amount:,.2f}")}
        return {}


class ClientTier(Validated, Model):
    """A client's current tier in one scheme: the computed one and an optional manual override.

    The override survives recalculation until it is removed (SPEC §3); ``tier`` is what counts.
    """

    __tablename__ = "client_tier"
    __table_args__ = (sa.UniqueConstraint("client_id", "scheme_id", name="uq_client_tier"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client.id", ondelete="CASCADE"))
    client: Mapped[Client] = relationship(backref=sa.orm.backref("tiers", cascade="all, delete-orphan"))
    # No database keys to tier_scheme, tier and job_run on the columns the recalculation writes
    # (here and in TierHistory; migration 0012_recalc_keys, issue #16): see ``RECALC_REFERENCES``.
    scheme_id: Mapped[int] = mapped_column(index=True)
    scheme: Mapped[TierScheme] = relationship(primaryjoin="TierScheme.id == foreign(ClientTier.scheme_id)")
    computed_tier_id: Mapped[Optional[int]] = mapped_column()
    computed_tier: Mapped[Optional[Tier]] = relationship(primaryjoin="Tier.id == foreign(ClientTier.computed_tier_id)")
    override_tier_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("tier.id"))
    override_tier: Mapped[Optional[Tier]] = relationship(foreign_keys=[override_tier_id])
    override_reason: Mapped[Optional[str]] = mapped_column(sa.String(200))
    override_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("ab_user.id"))
    override_by: Mapped[Optional[User]] = relationship(foreign_keys=[override_by_id])
    override_on: Mapped[Optional[dt.datetime]] = mapped_column()
    tier_id: Mapped[Optional[int]] = mapped_column(index=True)
    tier: Mapped[Optional[Tier]] = relationship(primaryjoin="Tier.id == foreign(ClientTier.tier_id)")
    period: Mapped[Optional[str]] = mapped_column(sa.String(10))
    score: Mapped[Optional[str]] = mapped_column(sa.String(40))  # exact score, printed
    run_id: Mapped[Optional[int]] = mapped_column()  # the job run that computed it (job_run.id)

    @classmethod
    def business_errors(cls, values, item=None):
        errors = {}
        override = values.get("override_tier")
        if override is not None:
            scheme = values.get("scheme")
            if scheme is not None and override.scheme_id != scheme.id:
                errors["override_tier"] = _("The tier belongs to another scheme.")
            elif not (values.get("override_reason") or "").strip():
                errors["override_reason"] = _("Give the reason for the manual override.")
            computed = values.get("computed_tier")
            if computed is not None and override.rank > computed.rank:
                errors["override_tier"] = _("A manual override may only raise the tier.")
        return errors

    def update_derived(self, session):
        self.tier = self.override_tier or self.computed_tier
        if self.override_tier is None:
            self.override_reason = None
            self.override_by_id = None
            self.override_on = None


class TierHistory(Model):
    """One row per client, scheme and period: what a recalculation found (SPEC §3 history)."""

    __tablename__ = "tier_history"
    __table_args__ = (
        sa.UniqueConstraint("scheme_id", "period", "client_id", name="uq_tier_history"),
        sa.Index("ix_tier_history_client", "client_id", "scheme_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client.id", ondelete="CASCADE"))
    client: Mapped[Client] = relationship()
    scheme_id: Mapped[int] = mapped_column()
    scheme: Mapped[TierScheme] = relationship(primaryjoin="TierScheme.id == foreign(TierHistory.scheme_id)")
    period: Mapped[str] = mapped_column(sa.String(10))
    score: Mapped[Optional[str]] = mapped_column(sa.String(40))
    rank: Mapped[Optional[int]] = mapped_column()
    pool_size: Mapped[Optional[int]] = mapped_column()
    old_tier_id: Mapped[Optional[int]] = mapped_column()
    old_tier: Mapped[Optional[Tier]] = relationship(primaryjoin="Tier.id == foreign(TierHistory.old_tier_id)")
    new_tier_id: Mapped[Optional[int]] = mapped_column()
    new_tier: Mapped[Optional[Tier]] = relationship(primaryjoin="Tier.id == foreign(TierHistory.new_tier_id)")
    run_id: Mapped[Optional[int]] = mapped_column(index=True)  # the job run that wrote it (job_run.id)
    created_on: Mapped[dt.datetime] = mapped_column(default=business_stamp)  # business time, like AuditMixin


# Issue #16: the recalculation writes a million client_tier and a million tier_history rows per
# run, and PostgreSQL checks every foreign key of every row it inserts (one index look-up and row
# lock each, ~3.5 us: 4 of the 5 keys of a history row pointed at a handful of tier, scheme and
# run rows). Those keys were two thirds of the run's cost over the bare SQL. They are gone from
# the columns the recalculation fills from the tier table itself under its advisory lock; the key
# to the client (ON DELETE CASCADE) and to what a person picks (override tier, override author)
# stay. What the keys also did -- refuse to delete a tier or scheme still referred to -- is done
# here, before the delete, for the screen, the API and any other caller alike (and, for a
# scheme, its tiers: the message says why, where the key's refusal said nothing a person reads).
RECALC_REFERENCES = {
    "tier": ((ClientTier, ("tier_id", "computed_tier_id")), (TierHistory, ("old_tier_id", "new_tier_id"))),
    "tier_scheme": ((Tier, ("scheme_id",)), (ClientTier, ("scheme_id",)), (TierHistory, ("scheme_id",))),
}


def in_use_message(target, connection, name_of=str):
    """Why ``target`` (a Tier or TierScheme) may not be deleted, in the user's language, or None.
    ``name_of`` shows a stored name (the screens pass ``seed_names.localised``)."""
    table = type(target).__table__.name
    for model, columns in RECALC_REFERENCES[table]:
        used = connection.execute(sa.select(sa.literal(1)).select_from(model).where(
            sa.or_(*(getattr(model, c) == target.id for c in columns))).limit(1)).first()
        if used is not None:
            name = name_of(target.name) if target.name else target.code
            if isinstance(target, Tier):
                scheme = connection.execute(sa.select(TierScheme.name).where(TierScheme.id == target.scheme_id)).scalar()
                name = f"{name_of(scheme)} {name}" if scheme else name
            return _("“%(name)s” is still in use (tiers, clients' tiers or tier history) and cannot be deleted.",
                     name=name)
    return None


def refuse_delete_in_use(mapper, connection, target):
    """Any delete the screens and API did not check first (a script, a cascade): refused in the
    flush (they check in pre_delete, views/tiers.py, where the names are shown localised)."""
    message = in_use_message(target, connection)
    if message:
        raise CommandError(message, status=409)


sa.event.listen(Tier, "before_delete", refuse_delete_in_use)
sa.event.listen(TierScheme, "before_delete", refuse_delete_in_use)
