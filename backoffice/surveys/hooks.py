"""A closed complaint invites its client to a survey, once per ticket (SPEC §7).

A ``before_flush`` listener (installed by ``backoffice.listeners.install``) sees every write path (ticket actions, the REST API, jobs, imports):
when a complaint reaches ``closed`` it adds an invitation to the open after-complaint campaign of
the closing year, creating that campaign if there is none. The invitation is tied to the ticket
(``ticket_id`` is unique), so closing, reopening and closing again invites only once.

[decision] After-complaint invitations are phone calls by the service desk (回访 practice, seed
002/004), assigned round-robin; they expire ``AFTER_COMPLAINT_VALID_DAYS`` after closing.
"""
import datetime as dt

import sqlalchemy as sa
from flask import g
from backoffice.models import Questionnaire, SurveyCampaign, SurveyInvitation, Ticket
from backoffice.models.choices import CampaignState, InvitationChannel
from backoffice.models.surveys import new_token, now
from backoffice.rules.sampling import round_robin
from backoffice.surveys.invitations import service_desk_ids

AFTER_COMPLAINT_VALID_DAYS = 30
STANDARD_QUESTIONNAIRE = "SAT-STD"


def _value(v):
    return getattr(v, "value", v)


def _just_closed(ticket):
    if _value(ticket.status) != "closed" or _value(ticket.type) != "complaint":
        return False
    state = sa.inspect(ticket)
    if state.pending:
        return True
    return "closed" in [_value(v) for v in state.attrs.status.history.added]


def _audit_user(ticket):
    user = getattr(g, "user", None) if g else None
    uid = getattr(user, "id", None)
    return uid or ticket.changed_by_fk or ticket.created_by_fk


def complaint_campaign(session, year, user_id):
    """The open after-complaint campaign of ``year``; created (open at once) if there is none."""
    campaign = session.execute(
        sa.select(SurveyCampaign)
        .where(SurveyCampaign.kind == "after_complaint", SurveyCampaign.period == str(year),
               SurveyCampaign.state == CampaignState.open)
        .order_by(SurveyCampaign.id)
    ).scalars().first()
    if campaign is not None:
        return campaign
    for obj in session.new:  # created earlier in this same flush
        if isinstance(obj, SurveyCampaign) and _value(obj.kind) == "after_complaint" and obj.period == str(year):
            return obj
    questionnaire = session.execute(
        sa.select(Questionnaire).where(Questionnaire.code == STANDARD_QUESTIONNAIRE)
    ).scalar() or session.execute(
        sa.select(Questionnaire).where(Questionnaire.active.is_(True)).order_by(Questionnaire.id)
    ).scalars().first()
    if questionnaire is None:
        return None  # no questionnaire configured: nothing to invite to
    campaign = SurveyCampaign(
        name=f"{year} 投诉回访满意度", kind="after_complaint", period=str(year),
        questionnaire=questionnaire, deadline=dt.date(year, 12, 31), state=CampaignState.open,
        channel=InvitationChannel.phone,
    )
    if user_id:
        campaign.created_by_fk = campaign.changed_by_fk = user_id
    session.add(campaign)
    return campaign


def invite_after_complaint(session, ticket):
    """Add the ticket's invitation (unless it has one). Returns it, or None."""
    if ticket.id is not None and session.execute(
        sa.select(SurveyInvitation.id).where(SurveyInvitation.ticket_id == ticket.id)
    ).first():
        return None
    if any(isinstance(o, SurveyInvitation) and o.ticket is ticket for o in session.new):
        return None
    closed = ticket.closed_at or now()
    campaign = complaint_campaign(session, closed.year, _audit_user(ticket))
    if campaign is None:
        return None
    channel = _value(campaign.channel) or "phone"
    assignee = None
    if channel == "phone":
        desk = service_desk_ids(session)
        already = 0
        if campaign.id is not None:
            already = session.execute(
                sa.select(sa.func.count(SurveyInvitation.id)).where(SurveyInvitation.campaign_id == campaign.id)
            ).scalar()
        assignee = round_robin([ticket], desk, already)[0]
    invitation = SurveyInvitation(
        campaign=campaign, client_id=ticket.client_id if ticket.client_id else None,
        client=ticket.client, token=new_token(), channel=channel, assignee_id=assignee,
        expires_at=closed + dt.timedelta(days=AFTER_COMPLAINT_VALID_DAYS), ticket=ticket,
    )
    session.add(invitation)
    return invitation


def invite_on_close(session, flush_context, instances):
    closed = [o for o in list(session.new) + list(session.dirty) if isinstance(o, Ticket) and _just_closed(o)]
    if not closed:
        return
    with session.no_autoflush:
        for ticket in closed:
            invite_after_complaint(session, ticket)
