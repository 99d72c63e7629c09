"""A department head launches a recalculation in a real browser and watches it run (SPEC §8, issue #3).

The e2e app has no Redis: runs execute in this process on a single background thread, one after
the other (``backoffice.jobs.execute.submit_in_process``). The scenario first gives that thread a
slow self-test run (it counts with a pause), so the recalculation launched through the form is
still queued when the run list appears. The page is then left alone: its script polls the
progress endpoint, the self-test's bar moves through intermediate values, both runs reach
100 % and 已完成, and a marker set on ``window`` proves the page was never reloaded. Last, the
client list shows the composite codes the recalculation wrote (the world's clients bought in the
last complete quarter, tests/world.py).
"""
import datetime as dt
import re
from urllib.parse import urlparse

import sqlalchemy as sa

from tests.e2e.test_clients_browser import listed_codes, login

CJK = re.compile(r"[\u4e00-\u9fff]")
COMPOSITE = re.compile(r"^[CX][A-Z][123]$")  # market type + business format + scale (SPEC §3)


def last_complete_quarter():
    from backoffice.rules.periods import previous_quarter

    return previous_quarter(dt.date.today()).label


def composite_codes(app, codes):
    from backoffice import models as m
    from backoffice.extensions import db

    with app.app_context():
        try:
            rows = db.session.execute(sa.select(m.Client.code, m.Client.composite_code).where(m.Client.code.in_(codes)))
            return dict(rows.all())
        finally:
            db.session.remove()


def launch_slow_selftest(app, username, n=8, pause=0.4):
    """A run that keeps the single in-process job thread busy for about n * pause seconds."""
    from flask import g

    from backoffice.jobs import launch

    with app.test_request_context():
        g.user = app.appbuilder.sm.find_user(username=username)
        return launch("selftest.count", {"n": n, "sleep": pause}, user=g.user).id


def run_state(page, run_id):
    return page.get_attribute(f"tr.job-run[data-run-id='{run_id}']", "data-run-state")


def bar(page, run_id):
    return page.locator(f"tr.job-run[data-run-id='{run_id}'] .job-progress .progress-bar")


def test_department_head_watches_a_recalculation_finish_without_reloading(page, live_server, e2e_app, artifacts):
    base = live_server
    period = last_complete_quarter()
    before = composite_codes(e2e_app, ["W001", "W003"])
    e2e_app.config["JOBS_SYNCHRONOUS"] = False  # a background thread, as in the single-process demo
    login(page, base, "t_head1")

    # The launch form: reached from the run list's button, scheme and default period preselected.
    page.goto(f"{base}/jobrunview/list/")
    page.click("#launch-recalc")
    page.wait_for_load_state()
    assert urlparse(page.url).path == "/jobrunview/launch"
    page.select_option("#scheme", "SCALE")
    assert page.input_value("#period") == period  # the last complete quarter, by default
    assert CJK.search(page.inner_text("#period-hint"))
    page.screenshot(path=str(artifacts / "10_launch_form.png"), full_page=True)

    busy = launch_slow_selftest(e2e_app, "t_head1")
    with page.expect_navigation():
        page.click("#launch-submit")
    assert urlparse(page.url).path == "/jobrunview/list/", page.locator(".help-block").all_inner_texts()
    assert page.locator(".alert-success").count() == 1
    flash = page.inner_text(".alert-success")
    match = re.search(r"#(\d+)", flash)
    assert match and CJK.search(flash), flash
    recalc = int(match.group(1))
    assert recalc > busy

    # Still waiting behind the self-test when the page appears: nothing is finished yet.
    assert run_state(page, recalc) in ("queued", "running")
    # parameters read as a sentence (issue #11): the scheme's name and the period in words
    params = page.inner_text(f"tr.job-run[data-run-id='{recalc}'] .job-params")
    assert params.startswith("分级方案：经营规模") and "期间：" in params and "SCALE" not in params
    page.evaluate(
        """([busy]) => {
            window.__sameDocument = 'job-screen';
            window.__busyBar = [];
            const target = document.querySelector(`tr.job-run[data-run-id='${busy}'] .progress-bar`);
            new MutationObserver(() => window.__busyBar.push(Number(target.getAttribute('aria-valuenow'))))
                .observe(target, {attributes: true, attributeFilter: ['aria-valuenow']});
        }""",
        [busy],
    )
    page.screenshot(path=str(artifacts / "11_runs_in_progress.png"), full_page=True)

    # Left alone, the page follows both runs to their end.
    page.wait_for_function(
        "([id]) => document.querySelector(`tr.job-run[data-run-id='${id}']`).dataset.runState === 'finished'",
        arg=[recalc], timeout=60_000,
    )
    assert page.evaluate("() => window.__sameDocument") == "job-screen", "the page was reloaded"
    assert int(page.get_attribute("#job-runs", "data-polled")) >= 2
    moved = page.evaluate("() => window.__busyBar")
    assert any(0 < value < 100 for value in moved), f"the self-test's bar never showed progress: {moved}"
    assert moved[-1] == 100
    for run_id in (busy, recalc):
        assert run_state(page, run_id) == "finished"
        assert bar(page, run_id).get_attribute("aria-valuenow") == "100"
        assert bar(page, run_id).inner_text().strip() == "100%"
        assert "progress-bar-success" in bar(page, run_id).get_attribute("class")
        assert "active" not in bar(page, run_id).get_attribute("class").split()
        assert page.inner_text(f"tr.job-run[data-run-id='{run_id}'] .job-state-label") == "已完成"
        assert page.inner_text(f"tr.job-run[data-run-id='{run_id}'] .job-ended_at").strip()
    done = page.inner_text(f"tr.job-run[data-run-id='{recalc}'] .job-done")
    assert done == page.inner_text(f"tr.job-run[data-run-id='{recalc}'] .job-total") and int(done) > 0
    page.wait_for_timeout(800)  # let Bootstrap's width transition end before the picture
    page.screenshot(path=str(artifacts / "12_runs_finished.png"), full_page=True)

    # The client list shows what the recalculation wrote.
    after = composite_codes(e2e_app, ["W001", "W003"])
    assert after != before and all(COMPOSITE.match(code or "") for code in after.values()), after
    page.goto(f"{base}/clientview/list/")
    assert {"W001", "W003"} <= listed_codes(page)
    cells = page.evaluate(
        """() => {
            const table = document.querySelector('table.table-bordered');
            const ths = Array.from(table.querySelectorAll('thead th'));
            const col = name => ths.findIndex(th => th.querySelector(`a[href*="_oc_ClientView=${name}"]`));
            const code = col('code'), composite = col('composite_code');
            return Object.fromEntries(Array.from(table.querySelectorAll('tbody tr'))
                .map(tr => [tr.cells[code].innerText.trim(), tr.cells[composite].innerText.trim()]));
        }"""
    )
    assert cells["W001"] == after["W001"] and cells["W003"] == after["W003"], cells
    page.screenshot(path=str(artifacts / "13_clients_after_recalc.png"), full_page=True)
