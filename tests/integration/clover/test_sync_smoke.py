def test_a_first_sync_imports_items_with_opening_balances(sync, clover_items, level, emulator):
    report = sync()
    assert report.ran
    assert report.catalog.created == 3
    assert level(clover_items["Oat Milk 1L"]) == 24
    assert level(clover_items["Coffee Beans (bulk)"]) == 12750
    assert report.push.pushed == 0
