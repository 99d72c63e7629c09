"""A department head filters the client list in a real browser and downloads the CSV export
(SPEC §9): Playwright catches the download, pandas reads it, and it holds exactly the filtered
rows of the head's scope, Chinese text intact."""
import io

import pandas as pd
import sqlalchemy as sa

from tests.e2e.test_clients_browser import add_filter, login, submit_search


def test_filtered_client_list_downloads_as_csv(e2e_app, live_server, page, artifacts):
    base = live_server
    login(page, base, "t_head1")
    page.goto(f"{base}/clientview/list/")
    field = add_filter(page, "name")
    field.fill("测试客户")
    submit_search(page)
    button = page.locator("a.export-csv")
    assert "_flt_" in button.get_attribute("href")  # the button carries the filter on screen
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    path = artifacts / "export-clients.csv"
    download.save_as(path)
    df = pd.read_csv(io.BytesIO(path.read_bytes()), encoding="utf-8-sig", dtype=str, keep_default_na=False)

    from backoffice import models as m
    from backoffice.extensions import db

    with e2e_app.app_context():
        d1 = e2e_app.world["departments"]["D1"]
        d1a = e2e_app.world["departments"]["D1A"]
        expected = db.session.execute(
            sa.select(m.Client.code, m.Client.name)
            .where(m.Client.name.contains("测试客户"), m.Client.department_id.in_([d1, d1a]))
            .order_by(m.Client.code, m.Client.id)
        ).all()
    assert [tuple(r) for r in df.iloc[:, :2].itertuples(index=False)] == [tuple(r) for r in expected]
    assert "测试客户W001" in set(df.iloc[:, 1]) and "W002" not in set(df.iloc[:, 0])  # D2 is outside
    # The GB18030 choice in the button's menu gives the same rows in the other encoding.
    page.locator("a.export-csv + button.dropdown-toggle").click()
    with page.expect_download() as info:
        page.locator("a.export-csv-gb18030").click()
    gb = artifacts / "export-clients-gb18030.csv"
    info.value.save_as(gb)
    df_gb = pd.read_csv(gb, encoding="gb18030", dtype=str, keep_default_na=False)
    assert df_gb.equals(df)
