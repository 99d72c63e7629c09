def test_admin_sees_client_list_in_chinese(login, world):
    b = login("t_admin")
    r = b.get("/clientview/list/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "W001" in html and "测试客户W002" in html
