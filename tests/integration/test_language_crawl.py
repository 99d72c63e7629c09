"""Every screen in the user's language (issue #11): a crawler signs in as each role of
tests/world.py in each language, follows the menu and the first row's show / edit links of every
list, and fails on any screen word in the wrong script or language, any internal name, any 5xx.

How words are told from data, and the heuristics per language: tests/integration/language_crawl.py.
Run with ``-s`` to print the figures (pages per role and language, offending strings).
"""
import time

import pytest

from tests.integration.language_crawl import (
    LOCALES, LIST_LINK, cell_offences, first_row_links, menu_targets, offences, parse, simplified_only_chars,
)
from tests.world import USERS


def _data_words(app):
    """Words that are records, not the screen's: user names, e-mail addresses, staff names."""
    from backoffice.extensions import db
    from backoffice import models as m

    with app.app_context():
        sm = app.appbuilder.sm
        words = set()
        for user in db.session.query(sm.user_model):
            words.update(w for w in (user.username, user.email, user.first_name, user.last_name) if w)
            words.add(f"{user.last_name}{user.first_name}")
        words.update(s.name for s in db.session.query(m.Staff))
    return {w for w in words if len(w) > 1} | {"T"}


def crawl(app, username, locale, data_words, simplified):
    """(pages visited, offences, 5xx) for one user in one language."""
    from tests.conftest import Browser

    b = Browser(app, username)
    assert b.get(f"/lang/{locale}").status_code == 302
    # the index, then the refusals a person meets: an unknown record, a screen the role may not open
    seen, queue, found, errors = set(), ["/", "/clientview/show/999999", "/no-such-page", "/users/list/"], [], []
    first, menu = True, set()
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        r = b.get(url)
        if r.status_code >= 500 or (url in menu and r.status_code in (401, 403, 404)):
            errors.append((url, r.status_code))  # a 5xx, or a menu entry the user may not open
            continue
        if r.status_code in (301, 302, 303) or "text/html" not in r.content_type:
            continue
        page = parse(r.get_data(as_text=True))
        for kind, text in offences(page.texts, locale, data_words, simplified) + cell_offences(page.cells, locale, data_words):
            found.append((url, kind, text))
        if first:
            menu = set(menu_targets(page.menu_links))
            queue += sorted(menu)
            first = False
        if LIST_LINK.match(url.split("?")[0]):
            queue += first_row_links(page.links)
    return len(seen), found, errors


@pytest.mark.slow
def test_every_screen_speaks_the_users_language(app):
    started = time.monotonic()
    data_words = _data_words(app)
    simplified = simplified_only_chars()
    assert len(simplified) > 50, "the Simplified-only set should be learnt from the catalogues"
    figures, all_found, all_errors = [], [], []
    one_per_role = {role: username for username, role, _d, _p in reversed(USERS)}  # the first of each
    for role, username in one_per_role.items():
        for locale in LOCALES:
            pages, found, errors = crawl(app, username, locale, data_words, simplified)
            figures.append((role, username, locale, pages, len(found)))
            all_found += [(locale, username, *f) for f in found]
            all_errors += [(locale, username, *e) for e in errors]
    elapsed = time.monotonic() - started
    distinct = sorted({(loc, kind, text) for loc, _u, _url, kind, text in all_found})
    print(f"\n[{app.backend}] language crawl: {sum(f[3] for f in figures)} pages in {elapsed:.0f} s, "
          f"{len(all_found)} offending strings ({len(distinct)} distinct), {len(all_errors)} 5xx")
    for role, username, locale, pages, n in figures:
        print(f"  {role:14} {username:9} {locale:6} {pages:4} pages {n:4} offences")
    for loc, kind, text in distinct:
        print(f"  {loc:6} {kind:10} {text[:100]!r}")
    assert not all_errors, all_errors[:10]
    assert not distinct, distinct[:40]
    # every role reaches more than the index: the menu was parsed
    assert all(pages > 3 for *_x, pages, _n in figures), figures
