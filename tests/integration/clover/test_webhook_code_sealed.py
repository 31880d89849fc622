"""The X-Clover-Auth code an admin saves is a secret: sealed at rest like the tokens, a plaintext one
from before keeps working until the next sync seals it, and a code no key opens refuses, never 500s."""

from __future__ import annotations

from sqlalchemy import func, select, text

from tests.integration.clover.conftest import MERCHANT
from webapp.clover.models import CloverWebhookHint
from webapp.clover.token_crypto import cipher

AUTH = "0c6e1f4a-7b2d-4e58-9a31-c2d9f0b8e7a4"
BODY = {"merchants": {MERCHANT: [{"objectId": "O:GHIVJT2ABCRSC", "type": "CREATE", "ts": 5}]}}


def _stored_code(db, store_id: int) -> str | None:
    db.session.commit()
    return db.session.execute(text("SELECT webhook_auth_code FROM clover_connections WHERE store_id = :s"),
                              {"s": store_id}).scalar_one()


def _deliver(client, code: str) -> int:
    return client.post("/clover/webhook", json=BODY, headers={"X-Clover-Auth": code}).status_code


def test_a_saved_code_is_stored_sealed_and_still_checks_deliveries(login_as, client, db, store, connected):
    assert login_as("admin").post_form("/clover/auth-code", {"code": f"  {AUTH}\n"}).status_code == 302
    stored = _stored_code(db, store.id)
    assert AUTH not in stored and stored.startswith("fernet:")
    assert cipher().open(stored) == AUTH
    assert _deliver(client, AUTH[:-1] + "5") == 401
    assert _deliver(client, AUTH) == 200


def test_a_plaintext_code_from_before_still_works_and_the_next_sync_seals_it(
        client, db, store, connected, sync):
    db.session.execute(text("UPDATE clover_connections SET webhook_auth_code = :c WHERE store_id = :s"),
                       {"c": AUTH, "s": store.id})
    assert _stored_code(db, store.id) == AUTH
    assert _deliver(client, AUTH) == 200
    sync()
    stored = _stored_code(db, store.id)
    assert AUTH not in stored and cipher().open(stored) == AUTH
    assert _deliver(client, AUTH) == 200


def test_a_code_longer_than_clovers_uuids_is_kept_whole_and_checks_deliveries(
        login_as, client, db, store, connected):
    long_code = "z" + "y" * 999  # 1,000 characters; sealed, some 1,400: the old String(200) refused it
    assert login_as("admin").post_form("/clover/auth-code", {"code": long_code}).status_code == 302
    assert cipher().open(_stored_code(db, store.id)) == long_code
    assert _deliver(client, "y" * 1000) == 401
    assert _deliver(client, long_code) == 200


def test_a_paste_too_long_to_be_a_code_is_refused_with_a_message_and_nothing_kept(
        login_as, db, store, connected):
    admin = login_as("admin")
    admin.post_form("/clover/auth-code", {"code": AUTH})
    response = admin.post_form("/clover/auth-code", {"code": "x" * 1001})
    assert response.status_code == 400
    assert "at most 1,000 characters (this one has 1,001)" in response.get_data(as_text=True)
    assert cipher().open(_stored_code(db, store.id)) == AUTH


def test_a_blank_code_forgets_the_saved_one(login_as, client, db, store, connected):
    admin = login_as("admin")
    admin.post_form("/clover/auth-code", {"code": AUTH})
    admin.post_form("/clover/auth-code", {"code": "  "})
    assert _stored_code(db, store.id) is None
    assert _deliver(client, AUTH) == 401


def test_a_code_sealed_under_a_key_since_changed_refuses_deliveries_without_an_error(
        app, login_as, client, db, store, connected):
    login_as("admin").post_form("/clover/auth-code", {"code": AUTH})
    app.config["SECRET_KEY"] = "a-new-secret-key"
    assert _deliver(client, AUTH) == 401
    assert db.session.scalar(select(func.count(CloverWebhookHint.id))) == 0
