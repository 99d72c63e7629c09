"""Ticket numbers: GD + registration date (business time zone) + 4-digit daily sequence,
consecutive within a day, never the same twice, also under concurrent registrations
(backoffice/models/tickets.py docstring; SPEC §4)."""
import datetime as dt
import re
import threading

import pytest
import sqlalchemy as sa

from backoffice import models as m
from backoffice.clock import business_now
from backoffice.extensions import db

NUMBER = re.compile(r"GD(\d{8})(\d{4})")


def _ticket(client, registered_at=None, number=None, subject="编号测试"):
    return m.Ticket(client=client, type="inquiry", channel="phone", subject=subject,
                    registered_at=registered_at, number=number)


def _client(session, code="W001"):
    return session.scalar(sa.select(m.Client).where(m.Client.code == code))


def _cleanup(app, subject):
    with app.app_context():
        db.session.execute(sa.delete(m.TicketEvent).where(
            m.TicketEvent.ticket_id.in_(sa.select(m.Ticket.id).where(m.Ticket.subject == subject))))
        db.session.execute(sa.delete(m.Ticket).where(m.Ticket.subject == subject))
        db.session.commit()


def test_same_day_numbers_are_consecutive(app):
    day = dt.datetime(2031, 3, 2, 10, 0)  # a day of its own: no other test registers on it
    subject = "编号测试-连续"
    try:
        with app.app_context():
            from backoffice.cli import act_as_system

            act_as_system()
            c = _client(db.session)
            first = _ticket(c, day, subject=subject)
            db.session.add(first)
            db.session.commit()
            second, third = _ticket(c, day.replace(hour=11), subject=subject), _ticket(c, day.replace(hour=12), subject=subject)
            db.session.add_all([second, third])  # two in one flush
            db.session.commit()
            other_day = _ticket(c, day + dt.timedelta(days=1), subject=subject)
            db.session.add(other_day)
            db.session.commit()
            assert first.number == "GD203103020001"
            assert sorted([second.number, third.number]) == ["GD203103020002", "GD203103020003"]
            assert other_day.number == "GD203103030001"
            # editing a ticket keeps its number
            first.subject = subject
            first.description = "改过"
            db.session.commit()
            assert first.number == "GD203103020001"
    finally:
        _cleanup(app, subject)


def test_explicit_numbers_push_the_counter(app):
    """A number given by an import or the demo company is never handed out again."""
    subject = "编号测试-显式"
    day = dt.datetime(2031, 4, 7, 9, 0)
    try:
        with app.app_context():
            from backoffice.cli import act_as_system

            act_as_system()
            c = _client(db.session)
            db.session.add(_ticket(c, day, number="GD203104070007", subject=subject))
            db.session.commit()
            t = _ticket(c, day, subject=subject)
            db.session.add(t)
            db.session.commit()
            assert t.number == "GD203104070008"
    finally:
        _cleanup(app, subject)


def test_counter_continues_after_numbers_stored_without_it(app):
    """A database with tickets but no counter row for their day continues after the highest."""
    subject = "编号测试-续号"
    day = dt.datetime(2031, 5, 11, 9, 0)
    try:
        with app.app_context():
            from backoffice.cli import act_as_system

            act_as_system()
            c = _client(db.session)
            db.session.add(_ticket(c, day, number="GD203105110041", subject=subject))
            db.session.commit()
            db.session.execute(sa.delete(m.TicketNumberCounter).where(m.TicketNumberCounter.day == day.date()))
            db.session.commit()
            t = _ticket(c, day, subject=subject)
            db.session.add(t)
            db.session.commit()
            assert t.number == "GD203105110042"
    finally:
        _cleanup(app, subject)


def test_registered_through_the_api_in_business_time(app, login):
    """A ticket registered now gets today's date of Shanghai, not of the server's zone."""
    b = login("t_desk")
    with app.app_context():
        client_id = _client(db.session).id
    r = b.api("post", "/api/v1/ticket/", json={"client": client_id, "type": "inquiry", "channel": "phone",
                                               "subject": "编号测试-接口"})
    assert r.status_code == 201, r.data
    try:
        with app.app_context():
            t = db.session.get(m.Ticket, r.json["id"])
            now = business_now()
            assert abs((t.registered_at - now).total_seconds()) < 120
            match = NUMBER.fullmatch(t.number)
            assert match and match.group(1) == f"{t.registered_at:%Y%m%d}"
            assert t.number == max(db.session.scalars(
                sa.select(m.Ticket.number).where(m.Ticket.number.like(f"GD{t.registered_at:%Y%m%d}%"))))
    finally:
        _cleanup(app, "编号测试-接口")


def test_concurrent_registrations_never_share_a_number(app):
    """Several sessions (threads) register tickets on the same day at the same time."""
    if app.backend != "postgresql":
        pytest.skip("SQLite serialises writers; the concurrency case is PostgreSQL's")
    subject = "编号测试-并发"
    day = dt.datetime(2031, 6, 1, 9, 0)
    threads, per_thread = 4, 5
    barrier = threading.Barrier(threads)
    numbers, errors = [], []
    lock = threading.Lock()

    def register():
        try:
            with app.app_context():
                from backoffice.cli import act_as_system

                act_as_system()
                c = _client(db.session)
                barrier.wait(timeout=30)
                for k in range(per_thread):
                    t = _ticket(c, day + dt.timedelta(minutes=k), subject=subject)
                    db.session.add(t)
                    db.session.flush()  # draws the number, holds the day's counter row
                    got = t.number
                    db.session.commit()
                    with lock:
                        numbers.append(got)
                db.session.remove()
        except Exception as e:  # reported below
            errors.append(e)

    workers = [threading.Thread(target=register) for _ in range(threads)]
    try:
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=120)
        assert not errors, errors
        assert sorted(numbers) == [f"GD20310601{k:04d}" for k in range(1, threads * per_thread + 1)]
    finally:
        _cleanup(app, subject)
