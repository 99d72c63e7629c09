"""A client record prints on one A4 page (seed 003 打印, SPEC §9), within the user's scope."""
import re

import sqlalchemy as sa

from backoffice.extensions import db
from backoffice import models as m


def test_print_page_holds_the_client_its_contacts_and_visits(app, login, world):
    pk = world["clients"]["W001"]
    r = login("t_head1").get(f"/clientview/print/{pk}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "@page" in html and "A4" in html  # print stylesheet sized to one A4 sheet
    assert "W001" in html and "测试客户W001" in html
    assert "联系人W001" in html and "13800000000" in html  # contacts
    assert "例行拜访" in html and "2026-10-05 10:00" in html  # last visits, dates as on screen
    assert "城镇" in html  # market type label, not the code
    assert not re.search(r"<dd>\s*C\s*</dd>", html)
    assert 'id="print-now"' in html and "window.print()" in html
    with app.app_context():
        owner = db.session.get(m.Staff, world["staff"]["t_cm1"]).name
    assert owner in html


def test_print_shows_current_tiers(app, login, world):
    from backoffice.cli import act_as_system

    with app.app_context():
        act_as_system()
        tier = db.session.execute(sa.select(m.Tier).order_by(m.Tier.id)).scalars().first()
        if tier is None:
            return  # no tier scheme seeded in this database
        ct = m.ClientTier(client_id=world["clients"]["W003"], scheme_id=tier.scheme_id, computed_tier=tier, period="2026")
        db.session.add(ct)
        db.session.commit()
        ct_id, label = ct.id, repr(tier)
    try:
        html = login("t_head1").get(f"/clientview/print/{world['clients']['W003']}").get_data(as_text=True)
        assert label in html and "2026" in html
    finally:
        with app.app_context():
            db.session.execute(sa.delete(m.ClientTier).where(m.ClientTier.id == ct_id))
            db.session.commit()


def test_print_is_scoped(app, login, world):
    pk = world["clients"]["W001"]  # t_cm1's client in D1A
    assert login("t_cm1").get(f"/clientview/print/{pk}").status_code == 200
    assert login("t_cm2").get(f"/clientview/print/{pk}").status_code == 404
    assert login("t_head2").get(f"/clientview/print/{pk}").status_code == 404
    assert login("t_cm1").get("/clientview/print/999999").status_code == 404


def test_show_page_offers_the_print_button(app, login, world):
    pk = world["clients"]["W001"]
    html = login("t_back1").get(f"/clientview/show/{pk}").get_data(as_text=True)
    assert f'href="/clientview/print/{pk}"' in html
