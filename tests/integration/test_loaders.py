"""The store-scoped loader: another store's row reads exactly as a missing one."""

from __future__ import annotations

import pytest

from webapp.catalog.models import Item
from webapp.errors import DomainError, NotFound
from webapp.loaders import in_store, load_in_store, require_in_store


def _error_of(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def test_a_row_of_the_callers_store_is_loaded(make_item, store):
    item = make_item("Oat Milk")
    loaded = load_in_store(Item, item.id, store.id, NotFound("not_found", "No such item."))
    assert loaded.id == item.id and loaded.name == "Oat Milk"


def test_another_stores_row_answers_as_a_missing_row_does(make_item, make_store, store):
    rival = make_store("Rival Grocers")
    theirs = make_item("Their Milk", store_id=rival.id)
    missing_id = theirs.id + 1000

    def load(item_id):
        error = NotFound("not_found", "No such item.", "item_id")
        return lambda: load_in_store(Item, item_id, store.id, error)

    for error in (_error_of(load(theirs.id)), _error_of(load(missing_id))):
        assert (type(error), error.status, error.to_dict()) == (
            NotFound, 404, {"code": "not_found", "message": "No such item.", "field": "item_id"})


def test_the_callers_error_keeps_its_own_status(make_item, make_store, store):
    rival = make_store("Rival Grocers")
    theirs = make_item(store_id=rival.id)
    error = _error_of(lambda: require_in_store(theirs, store.id, DomainError("unknown_item", "No.", "code")))
    assert error.status == 400 and error.code == "unknown_item"


def test_in_store_is_false_for_nothing_and_for_another_store(make_item, make_store, store):
    rival = make_store("Rival Grocers")
    assert in_store(make_item(), store.id)
    assert not in_store(make_item(store_id=rival.id), store.id)
    assert not in_store(None, store.id)
