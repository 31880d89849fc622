"""The anonymous verification handshake: kept per store, the newest few only, shown to that store's admin."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from webapp.clover.models import CloverWebhookHint, CloverWebhookVerification
from webapp.clover.webhooks import KEEP_CODES, store_webhook_key

AUTH = "0c6e1f4a-7b2d-4e58-9a31-c2d9f0b8e7a4"


@pytest.fixture
def rival(make_store, make_user):
    other = make_store("Rival Grocers")
    return other, make_user("admin", store_id=other.id, username="rival-admin")


def _codes(db, store_id=None) -> list[str]:
    db.session.expire_all()
    query = select(CloverWebhookVerification.code).order_by(CloverWebhookVerification.id)
    if store_id is not None:
        query = query.where(CloverWebhookVerification.store_id == store_id)
    return list(db.session.scalars(query))


def _own_url(admin) -> str:
    page = admin.get("/clover/").get_data(as_text=True)
    return re.search(r"<code>http://localhost(/clover/webhook/[^<]+)</code>", page).group(1)


def test_a_code_sent_to_a_stores_url_is_shown_to_that_stores_admin_only(client, db, store, rival, login_as):
    mine, theirs = login_as("admin"), login_as(user=rival[1])
    my_url, their_url = _own_url(mine), _own_url(theirs)
    assert my_url == f"/clover/webhook/{store_webhook_key(store.id)}" and my_url != their_url
    answer = client.post(my_url, json={"verificationCode": "code-for-corner-market"})
    assert answer.status_code == 200 and answer.get_json() == {"status": "verification"}
    assert "code-for-corner-market" in mine.get("/clover/").get_data(as_text=True)
    assert "code-for-corner-market" not in theirs.get("/clover/").get_data(as_text=True)
    assert _codes(db, rival[0].id) == []


def test_on_the_bare_url_of_an_install_with_several_stores_a_code_is_answered_but_not_kept(
        client, db, store, rival, login_as):
    answer = client.post("/clover/webhook", json={"verificationCode": "whose-is-this"})
    assert answer.status_code == 200 and answer.get_json() == {"status": "verification"}
    assert _codes(db) == []


def test_on_the_bare_url_of_a_one_store_install_the_code_is_that_stores(client, db, store, login_as):
    assert client.post("/clover/webhook", json={"verificationCode": "only-store"}).status_code == 200
    assert _codes(db, store.id) == ["only-store"]
    assert "only-store" in login_as("admin").get("/clover/").get_data(as_text=True)


@pytest.mark.parametrize("key", ["1-0000", "x-y", "99999-abc", "1", "1-" + "0" * 24])
def test_a_url_with_a_key_no_store_signed_is_404_and_keeps_nothing(client, db, store, key):
    answer = client.post(f"/clover/webhook/{key}", json={"verificationCode": "forged"})
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "not_found"
    assert _codes(db) == []


def test_only_the_newest_codes_are_kept_however_many_arrive(client, db, store, rival, login_as):
    url = f"/clover/webhook/{store_webhook_key(store.id)}"
    client.post(f"/clover/webhook/{store_webhook_key(rival[0].id)}", json={"verificationCode": "rival-1"})
    for n in range(KEEP_CODES + 7):
        assert client.post(url, json={"verificationCode": f"code-{n}"}).status_code == 200
    assert _codes(db, store.id) == [f"code-{n}" for n in range(7, KEEP_CODES + 7)]
    assert _codes(db, rival[0].id) == ["rival-1"]  # another store's flood does not push its code out
    page = login_as("admin").get("/clover/").get_data(as_text=True)
    assert f"code-{KEEP_CODES + 6}" in page and "code-0<" not in page


def test_notifications_on_a_stores_url_are_taken_like_on_the_bare_one(client, db, app, store, connected):
    app.config["CLOVER_WEBHOOK_AUTH_CODE"] = AUTH
    update = {"objectId": "O:GHIVJT2ABCRSC", "type": "CREATE", "ts": 3}
    body = {"merchants": {connected.merchant_id: [update]}}
    answer = client.post(f"/clover/webhook/{store_webhook_key(store.id)}", json=body,
                         headers={"X-Clover-Auth": AUTH})
    assert answer.status_code == 200 and answer.get_json() == {"status": "ok", "hints": 1}
    assert db.session.scalar(select(func.count(CloverWebhookHint.id))) == 1
    # Signed or not, the key is not what authenticates a notification.
    forged = client.post("/clover/webhook/1-0000", json=body, headers={"X-Clover-Auth": "wrong"})
    assert forged.status_code == 401
