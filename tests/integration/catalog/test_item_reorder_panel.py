def test_a_manager_sees_the_reorder_point_and_its_working_on_the_item_page(login_as, make_item):
    item = make_item("Oat Milk 1L", reorder_point=6)
    page = login_as("manager").get(f"/items/{item.id}").get_data(as_text=True)
    assert "Reorder point: 6" in page
    assert f"/alerts/items/{item.id}/reorder" in page

