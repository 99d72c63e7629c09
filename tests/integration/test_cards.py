"""Lists as cards on a phone (issue #11, views/cards.py): which columns a card shows, as data.

The layout itself is checked in a browser (tests/e2e/test_phone_browser.py); here: the key
columns of every list view are real list columns, and the page marks them for the stylesheet.
"""
import re

from backoffice.views.base import ScopedModelView
from backoffice.views.cards import DEFAULT_KEY_COLUMNS, key_columns


def test_key_columns_default_to_the_first_three():
    assert key_columns(["a", "b", "c", "d"]) == ["a", "b", "c"]
    assert DEFAULT_KEY_COLUMNS == 3
    assert key_columns(["a", "b"]) == ["a", "b"]


def test_key_columns_keep_list_order_and_drop_unknown_names():
    assert key_columns(["a", "b", "c", "d"], ["d", "b", "zz"]) == ["b", "d"]


def test_every_list_view_declares_real_columns(app):
    """A typo in ``mobile_columns`` would silently drop a column from every phone: refuse it."""
    views = [v for v in app.appbuilder.baseviews if isinstance(v, ScopedModelView)]
    assert len(views) > 10
    for view in views:
        declared = view.mobile_columns or []
        unknown = [c for c in declared if c not in view.list_columns]
        assert not unknown, f"{type(view).__name__}.mobile_columns names {unknown}, not in list_columns"
        assert view.list_widget.mobile_columns == tuple(key_columns(view.list_columns, declared))


def cells(html):
    return {m.group(1): m.group(2) for m in re.finditer(r'data-column="([^"]+)" data-label="[^"]*" class="bo-col (bo-col-\w+)', html)}


def test_ticket_list_marks_number_client_state_deadline(app, login):
    html = login("t_head1").get("/ticketview/list/").get_data(as_text=True)
    assert 'class="table table-bordered table-hover bo-cards"' in html
    marked = cells(html)
    assert {c for c, kind in marked.items() if kind == "bo-col-key"} == {"number", "client", "status", "due_at", "deadline"}  # + the deadline badge (issue #12)
    assert marked["subject"] == "bo-col-extra" and marked["receiver"] == "bo-col-extra"


def test_job_run_list_keeps_its_cells_and_gets_cards(app, login):
    """The job-run list has its own row template (jobs/run_list_widget.html): cards there too."""
    from tests.integration.test_job_screen import make_run

    pk = make_run(app, username="t_admin")
    try:
        html = login("t_admin").get("/jobrunview/list/").get_data(as_text=True)
        assert f'data-run-id="{pk}"' in html
        assert re.search(r'data-column="state" data-label="[^"]*" class="bo-col bo-col-key job-col-state"', html)
        assert re.search(r'data-column="parameters" data-label="[^"]*" class="bo-col bo-col-extra job-col-parameters"', html)
    finally:
        from backoffice import models as m
        from backoffice.extensions import db

        with app.app_context():
            db.session.delete(db.session.get(m.JobRun, pk))
            db.session.commit()
