"""Clover tokens are encrypted at rest: the table never holds one in the clear, old plaintext rows
keep working (and are sealed), and a changed SECRET_KEY says "reconnect Clover"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from tests.integration.clover.conftest import MERCHANT, TOKEN
from tests.integration.clover.test_tokens import _connect_by_oauth
from webapp.clover.connection import connection_for_store
from webapp.clover.sync import run_sync
from webapp.clover.token_crypto import TokenCipher, TokensUnreadable, cipher
from webapp.types import utcnow


def _stored(db, store_id: int) -> tuple[str | None, str | None]:
    """The two token columns as the database holds them, read past the ORM."""
    db.session.commit()
    row = db.session.execute(text("SELECT access_token, refresh_token FROM clover_connections "
                                  "WHERE store_id = :s"), {"s": store_id}).one()
    return row.access_token, row.refresh_token


def test_a_merchant_token_is_stored_encrypted_and_still_syncs(
        db, store, connected, sync, level, clover_items):
    access, _ = _stored(db, store.id)
    assert TOKEN not in access and access.startswith("fernet:")
    sync()
    assert level(clover_items["Oat Milk 1L"]) == 24


@pytest.mark.parametrize("emulator_settings", [{"tokens": {"access_lifetime": 120.0}}])
def test_an_oauth_pair_is_stored_encrypted_before_and_after_a_refresh(
        login_as, emulator, app, db, store, emulator_settings):
    _connect_by_oauth(login_as, emulator)
    row = connection_for_store(store.id)
    first = cipher().open(row.access_token), cipher().open(row.refresh_token)
    access, refresh = _stored(db, store.id)
    assert first[0] not in access and first[1] not in refresh
    row.access_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    run_sync(store.id)
    assert emulator.counters()["refreshes"] == {MERCHANT: 1}
    access, refresh = _stored(db, store.id)
    db.session.expire_all()
    row = connection_for_store(store.id)
    second = cipher().open(row.access_token), cipher().open(row.refresh_token)
    assert second != first
    assert second[0] not in access and second[1] not in refresh
    assert access.startswith("fernet:") and refresh.startswith("fernet:")


def test_a_token_stored_in_plaintext_before_encryption_still_works_and_is_sealed(
        db, store, connected, sync, level, clover_items):
    db.session.execute(text("UPDATE clover_connections SET access_token = :t WHERE store_id = :s"),
                       {"t": TOKEN, "s": store.id})
    assert _stored(db, store.id)[0] == TOKEN
    sync()
    assert level(clover_items["Oat Milk 1L"]) == 24
    access, _ = _stored(db, store.id)
    assert TOKEN not in access and cipher().open(access) == TOKEN


def test_a_changed_secret_key_says_reconnect_clover_and_frees_the_sync(app, db, store, connected, sync):
    app.config["SECRET_KEY"] = "a-new-secret-key"
    with pytest.raises(TokensUnreadable, match="reconnect Clover"):
        sync()
    db.session.expire_all()
    assert "reconnect Clover" in connection_for_store(store.id).last_error
    with pytest.raises(TokensUnreadable):  # not "another sync is running": the lease was released
        sync()
    result = app.test_cli_runner().invoke(args=["clover", "sync"])
    assert result.exit_code == 1 and "reconnect Clover" in result.output


def test_setting_clover_token_key_later_keeps_tokens_and_reseals_them_under_it(
        app, db, store, connected, sync, level, clover_items):
    app.config["CLOVER_TOKEN_KEY"] = "a dedicated key for clover tokens, long and random"
    sync()
    assert level(clover_items["Oat Milk 1L"]) == 24
    access, _ = _stored(db, store.id)
    only_new_key = TokenCipher(secret_key="", token_key=app.config["CLOVER_TOKEN_KEY"])
    assert only_new_key.open(access) == TOKEN  # SECRET_KEY may now change
