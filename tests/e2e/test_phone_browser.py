"""What a person sees on a phone (390 x 844) and on a 1,366 px laptop, in each language (issue #11).

On a phone: a list (tickets) and forms (ticket and client add) scroll only vertically, the list's key
columns (``mobile_columns`` on the view: number, client, state, deadline for tickets) are inside
the viewport, and the buttons a person taps are at least 44 px (WCAG 2.5.5 target size); every
list of the menu is cards and fits. At 1,200 and 1,366 px the top menu is one row. Every check saves a screenshot under tests/e2e/artifacts/ and
names it in the failure message.

Elements are found by our own markup (``data-column`` on the card list's cells, FAB's form and
navbar classes), never by their labels: the checks hold in every language.
"""
from urllib.parse import urlparse

import pytest

PASSWORD = "Test-pass-2026"
LANGS = ["zh", "zh_HK", "en"]
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
TAP = 44  # px, the smallest target a thumb hits reliably (WCAG 2.5.5)
TICKET_KEY_COLUMNS = ["number", "client", "status", "due_at"]


def open_as(browser, base, viewport, lang, username="t_admin"):
    context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=viewport is PHONE,
                                  has_touch=viewport is PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form[name=login] input[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in urlparse(page.url).path, f"login as {username} failed: {page.url}"
    page.goto(f"{base}/lang/{lang}")
    return context, page


def shot(page, artifacts, name):
    path = artifacts / f"phone_{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def scroll_widths(page):
    """[scrollWidth, innerWidth]; a phone widens its layout viewport to content that overflows,
    so innerWidth must also still be the device's width."""
    scroll, inner = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    return scroll, inner


def box(locator):
    b = locator.bounding_box()
    assert b is not None, f"{locator} is not displayed"
    return b


def inside_viewport(b, width):
    return b["x"] >= 0 and b["x"] + b["width"] <= width + 0.5 and b["width"] > 0 and b["height"] > 0


def assert_tap_target(locator, what, path):
    b = box(locator)
    assert b["height"] >= TAP and b["width"] >= TAP, f"{what} is {b['width']:.0f}x{b['height']:.0f} px (< {TAP}); see {path}"


@pytest.mark.parametrize("lang", LANGS)
def test_ticket_list_is_cards_on_a_phone(browser, live_server, artifacts, lang):
    context, page = open_as(browser, live_server, PHONE, lang)
    try:
        page.goto(f"{live_server}/ticketview/list/")
        path = shot(page, artifacts, f"ticket_list_390_{lang}")
        scroll, inner = scroll_widths(page)
        print(f"[{lang}] ticket list at 390 px: scrollWidth={scroll} innerWidth={inner}")
        assert scroll <= inner == PHONE["width"], f"sideways scroll on the ticket list ({scroll} > {inner}); see {path}"

        rows = page.locator("table.bo-cards tbody tr")
        assert rows.count() >= 1, f"no ticket cards; see {path}"
        first = rows.first
        for column in TICKET_KEY_COLUMNS:
            cell = first.locator(f"td[data-column='{column}']")
            assert cell.is_visible(), f"key column {column} hidden; see {path}"
            b = box(cell)
            assert inside_viewport(b, inner), f"key column {column} at {b} is outside the 390 px viewport; see {path}"
            # Each card cell names its column: the header row is not shown on a phone.
            label = page.evaluate("c => getComputedStyle(c, '::before').content", cell.element_handle())
            assert label not in ("none", '""', ""), f"{column} cell has no label; see {path}"
        # Non-key columns stay off the card (they are one tap away, on the ticket's page).
        assert not first.locator("td[data-column='subject']").is_visible(), f"subject shown on a phone card; see {path}"

        assert_tap_target(page.locator(".well a[href*='/ticketview/add']").first, "the add button", path)
        assert_tap_target(first.locator("a[href*='/ticketview/show/']").first, "a card's show button", path)
        assert_tap_target(page.locator(".navbar-toggle"), "the menu button", path)
    finally:
        context.close()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("view", ["ticketview", "clientview"])
def test_add_form_fits_a_phone(browser, live_server, artifacts, lang, view):
    context, page = open_as(browser, live_server, PHONE, lang)
    try:
        page.goto(f"{live_server}/{view}/add")
        path = shot(page, artifacts, f"{view}_add_390_{lang}")
        scroll, inner = scroll_widths(page)
        print(f"[{lang}] {view} add at 390 px: scrollWidth={scroll} innerWidth={inner}")
        assert scroll <= inner == PHONE["width"], f"sideways scroll on the {view} form ({scroll} > {inner}); see {path}"

        form = page.locator("form#model_form")
        fields = form.locator("input.form-control:visible, select.form-control, textarea.form-control:visible")
        assert fields.count() >= 3, f"no form fields found; see {path}"
        for i in range(fields.count()):
            field = fields.nth(i)
            if not field.is_visible():  # a select2-enhanced select is hidden behind its widget
                field = field.locator("xpath=following-sibling::span[contains(@class, 'select2-container')][1]")
            b = box(field)
            assert inside_viewport(b, inner), f"field {i} at {b} is cut at the right edge; see {path}"
        helps = form.locator(".help-block:visible")
        if view == "clientview":  # its fields carry help text (ClientView.description_columns)
            assert helps.count() >= 1, f"no help text shown on the client form; see {path}"
        for i in range(helps.count()):
            b = box(helps.nth(i))
            assert inside_viewport(b, inner), f"help text {i} at {b} is cut at the right edge; see {path}"

        assert_tap_target(form.locator("button[type=submit]").first, "the save button", path)
        assert_tap_target(form.locator("a.btn").first, "the back button", path)
    finally:
        context.close()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", [LAPTOP["width"]])  # issue #11: one row at 1,366 px
def test_top_menu_is_one_row_on_a_laptop(browser, live_server, artifacts, lang, width):
    context, page = open_as(browser, live_server, {"width": width, "height": LAPTOP["height"]}, lang)
    try:
        page.goto(f"{live_server}/ticketview/list/")
        path = shot(page, artifacts, f"navbar_{width}_{lang}")
        height, tops = page.evaluate(
            """() => [document.querySelector('.navbar').getBoundingClientRect().height,
                      Array.from(document.querySelectorAll('.navbar .navbar-nav > li'))
                           .map(li => Math.round(li.getBoundingClientRect().top))]"""
        )
        print(f"[{lang}] navbar at {width} px: height={height:.0f} px, item tops={sorted(set(tops))}")
        assert len(set(tops)) == 1, f"the menu wraps into {len(set(tops))} rows; see {path}"
        assert height <= 60, f"the navbar is {height:.0f} px high (one row is about 50); see {path}"
        scroll, inner = scroll_widths(page)
        assert scroll <= inner, f"sideways scroll at {width} px ({scroll} > {inner}); see {path}"
    finally:
        context.close()


def test_favicon_is_ours(browser, live_server, artifacts):
    context, page = open_as(browser, live_server, LAPTOP, "zh")
    try:
        page.goto(f"{live_server}/ticketview/list/")
        href = page.evaluate("() => { const l = document.querySelector('link[rel~=icon]'); return l && l.href; }")
        assert href and href.startswith(live_server), f"no favicon of ours linked: {href}"
        response = page.request.get(href)
        assert response.status == 200 and b"<svg" in response.body(), f"favicon {href} not served as SVG"
    finally:
        context.close()


def test_every_list_in_the_menu_fits_a_phone(browser, live_server, artifacts):
    """Every list the menu offers (as the administrator, who sees them all): no sideways scroll,
    and each card's key cells inside the screen."""
    context, page = open_as(browser, live_server, PHONE, "zh")
    try:
        page.goto(f"{live_server}/ticketview/list/")
        urls = sorted(set(page.evaluate(
            "() => Array.from(document.querySelectorAll('.navbar .dropdown-menu a'))"
            ".map(a => a.href).filter(h => h.endsWith('/list/'))"
        )))
        assert len(urls) >= 10, urls
        problems = []
        for url in urls:
            page.goto(url)
            scroll, inner = scroll_widths(page)
            outside = page.evaluate(
                """w => Array.from(document.querySelectorAll('table.bo-cards td.bo-col-key'))
                        .map(td => td.getBoundingClientRect())
                        .filter(r => r.left < 0 || r.right > w + 0.5).length""", inner)
            plain = page.locator("table.table-bordered:not(.bo-cards) tbody tr").count()
            if urlparse(url).path == "/roles/list/":
                plain = 0  # FAB's role list has a widget of its own (two columns, fits as a table)
            if scroll > PHONE["width"] or inner != PHONE["width"] or outside or plain:
                path = shot(page, artifacts, "list_" + urlparse(url).path.strip("/").replace("/", "_"))
                problems.append(f"{urlparse(url).path}: scrollWidth={scroll}, cells outside={outside}, "
                                f"rows not as cards={plain}; see {path}")
        print(f"{len(urls)} lists checked at 390 px")
        assert not problems, "\n".join(problems)
    finally:
        context.close()
