"""The print page shows only what the user's own lists show (issue #9, SPEC §1, §9)."""
import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db


def _with_tier(app, client_id):
    from backoffice.cli import act_as_system

    with app.app_context():
        act_as_system()
        tier = db.session.execute(sa.select(m.Tier).order_by(m.Tier.id)).scalars().first()
        ct = m.ClientTier(client_id=client_id, scheme_id=tier.scheme_id, computed_tier=tier, period="2031")
        db.session.add(ct)
        db.session.commit()
        return ct.id, repr(tier)


def _drop_tier(app, ct_id):
    with app.app_context():
        db.session.execute(sa.delete(m.ClientTier).where(m.ClientTier.id == ct_id))
        db.session.commit()


def test_service_desk_prints_the_record_and_contacts_but_not_tiers_or_visits(app, login, world):
    pk = world["clients"]["W002"]
    ct_id, _label = _with_tier(app, pk)
    try:
        desk = login("t_desk")  # lists clients and contacts; neither tiers nor visits (SPEC §1)
        assert desk.get("/visitlogview/list/").status_code != 200
        assert desk.get("/clienttierview/list/").status_code != 200
        r = desk.get(f"/clientview/print/{pk}")
        assert r.status_code == 200
        html = r.get_data(as_text=True)
        assert "测试客户W002" in html and "联系人W002" in html and "13800000000" in html
        assert "例行拜访" not in html and "2026-10-05" not in html  # the visit
        assert "2031" not in html  # the tier's period
        assert "最近拜访" not in html and "Last visits" not in html  # no empty section either

        # The department head lists all three: the same page shows them.
        head = login("t_head2").get(f"/clientview/print/{pk}").get_data(as_text=True)
        assert "例行拜访" in head and "2031" in head and "联系人W002" in head
    finally:
        _drop_tier(app, ct_id)
