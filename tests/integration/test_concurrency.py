"""Two people at once (issue #10), on PostgreSQL with two real sessions: a transition is claimed
with one conditional UPDATE on the state seen, so of two concurrent ones exactly one wins and
writes its event; two saves of one version: exactly one is kept, the other answered 409."""
import threading

import pytest
import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db


@pytest.fixture
def pg(app):
    if app.backend != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises the whole database)")
    return app


def _new_ticket(app, world, status="registered"):
    from backoffice.cli import act_as_system

    with app.app_context():
        act_as_system()
        t = m.Ticket(client_id=world["clients"]["W001"], type="complaint", complaint_class="own_service",
                     channel="phone", subject="并发测试", receiver_id=world["staff"]["t_desk"])
        db.session.add(t)
        db.session.flush()
        t.status = status
        db.session.commit()
        return t.id


def _race(app, pk, attempts):
    """Each (username, event) in its own thread, app context, session and connection; all have
    loaded the ticket before any of them writes (the barrier)."""
    from backoffice.security.scope import act_as
    from backoffice.services import CommandError
    from backoffice.services import tickets as commands

    barrier = threading.Barrier(len(attempts))
    results = [None] * len(attempts)

    def worker(i, username, event):
        with app.app_context():
            try:
                act_as(app.appbuilder.sm.find_user(username=username))
                ticket = db.session.get(m.Ticket, pk)
                assert ticket.status is not None  # loaded: both saw the same state
                barrier.wait(timeout=10)
                try:
                    commands.transition(ticket, event)
                    results[i] = ("ok", event)
                except CommandError as exc:
                    results[i] = (exc.status, exc.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, u, e)) for i, (u, e) in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def _events(app, pk):
    with app.app_context():
        return [(e.from_status and e.from_status.value, e.to_status.value) for e in db.session.execute(
            sa.select(m.TicketEvent).where(m.TicketEvent.ticket_id == pk).order_by(m.TicketEvent.id)).scalars()]


def _cleanup(app, pk):
    with app.app_context():
        db.session.execute(sa.delete(m.SurveyInvitation).where(m.SurveyInvitation.ticket_id == pk))
        db.session.execute(sa.delete(m.Ticket).where(m.Ticket.id == pk))
        db.session.commit()


def test_two_starts_on_one_ticket_one_event_one_winner(pg, world):
    for _run in range(5):
        pk = _new_ticket(pg, world)
        try:
            results = _race(pg, pk, [("t_cm1", "start"), ("t_head1", "start")])
            assert sorted(str(r[0]) for r in results if r) == ["409", "ok"], results
            assert _events(pg, pk).count(("registered", "in_progress")) == 1
            loser = next(r for r in results if r[0] == 409)
            assert "进行" in loser[1] or "处理中" in loser[1] or "meanwhile" in loser[1] or "同时" in loser[1]
        finally:
            _cleanup(pg, pk)


def test_close_and_escalate_on_a_called_back_ticket_only_one_is_accepted(pg, world):
    for _run in range(5):
        pk = _new_ticket(pg, world, status="called_back")
        try:
            results = _race(pg, pk, [("t_cm1", "close"), ("t_head1", "escalate")])
            assert sorted(str(r[0]) for r in results) == ["409", "ok"], results
            winner = next(r[1] for r in results if r[0] == "ok")
            with pg.app_context():
                status = db.session.get(m.Ticket, pk).status.value
            assert status == {"close": "closed", "escalate": "escalated"}[winner]
            assert [e for e in _events(pg, pk) if e[0] == "called_back"] == [("called_back", status)]
        finally:
            _cleanup(pg, pk)


def test_two_puts_of_one_version_one_is_kept_the_other_is_409(pg, login, world):
    pk = _new_ticket(pg, world)
    try:
        b1, b2 = login("t_head1"), login("t_admin")
        version = b1.api("get", f"/api/v1/ticket/{pk}").json["result"]["version"]
        barrier = threading.Barrier(2)
        answers = {}

        def put(name, b, text):
            barrier.wait(timeout=10)
            r = b.api("put", f"/api/v1/ticket/{pk}", json={"resolution": text, "version": version})
            answers[name] = (r.status_code, r.json)

        threads = [threading.Thread(target=put, args=("a", b1, "甲的结论")),
                   threading.Thread(target=put, args=("b", b2, "乙的结论"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        codes = sorted(a[0] for a in answers.values())
        assert codes == [200, 409], answers
        kept = "甲的结论" if answers["a"][0] == 200 else "乙的结论"
        with pg.app_context():
            assert db.session.get(m.Ticket, pk).resolution == kept
    finally:
        _cleanup(pg, pk)
