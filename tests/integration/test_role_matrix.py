"""Every protected route x every kind of visitor, with the status each must get.

ROUTES is the table. Adding a route to the app without a row here fails
`test_every_route_in_the_app_is_in_the_matrix`, so no route escapes the matrix. To add yours:

    Route("POST", "/damage", "staff", ok=201, kind="json", body={...}),
    Route("GET", "/counts/<int:count_id>", "manager", scoped=True, setup=_a_count),

`rule` is the Flask rule exactly as `app.url_map` shows it; `<int:name>` parts are filled from
what `setup(request)` returns (default: an item with a barcode in the test store, giving
`item_id`, `barcode_id`, `code`). `scoped=True` says the path names one store's object, so a
manager of another store must get 404 (not 403: ids of other stores are not probed).

Who visits: anonymous (pages redirect to /login; /api/ and JSON posts answer 401 JSON), each
role of the store (below `min_role`: 403; at or above: `ok`), and a manager of another store.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from PIL import Image

from webapp.auth.models import ROLES

VISITORS = ("anonymous", *ROLES, "other_store")


@dataclass(frozen=True)
class Route:
    method: str
    rule: str
    min_role: str | None  # None: public
    ok: int = 200  # what an allowed visitor gets
    kind: str = "form"  # how `body` is sent: form | json | multipart
    body: dict | Callable[[dict], dict] | None = None
    scoped: bool = False
    query: str = ""  # appended to the path, with {placeholders} filled like the path's
    refused_as: str | None = "token_required"  # the error code of a public route's JSON 401
    setup: Callable[[pytest.FixtureRequest], dict] | None = None
    by_visitor: dict[str, int] = field(default_factory=dict)  # exceptions to the rules above

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule}"

    def expected(self, visitor: str) -> int:
        if visitor in self.by_visitor:
            return self.by_visitor[visitor]
        if self.min_role is None:
            return self.ok
        if visitor == "anonymous":
            return 401 if self.rule.startswith("/api/") or self.kind == "json" else 302
        if visitor == "other_store":
            return 404 if self.scoped else self.expected("manager")
        return self.ok if ROLES.index(visitor) >= ROLES.index(self.min_role) else 403


def _png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 200, 200)).save(out, "PNG")
    return out.getvalue()


def _a_photo(request) -> dict:
    from webapp.photos.service import save_photo

    user = request.getfixturevalue("make_user")("staff")
    return {"photo_id": save_photo(user.store_id, user.id, _png()).id}


def _a_clover_change(request) -> dict:
    from webapp.clover.models import CloverStockChange

    db, store = request.getfixturevalue("db"), request.getfixturevalue("store")
    item = request.getfixturevalue("make_item")("Edited in Clover")
    change = CloverStockChange(store_id=store.id, item_id=item.id, status="pending", source="push",
                               clover_quantity=7.0, expected=5.0, ours=5)
    db.session.add(change)
    db.session.commit()
    return {"change_id": change.id}


def _a_po(request, status: str = "draft") -> dict:
    from webapp.receiving.models import POLine, PurchaseOrder

    db, store = request.getfixturevalue("db"), request.getfixturevalue("store")
    user = request.getfixturevalue("make_user")("manager")
    item = request.getfixturevalue("make_item")("PO item")
    po = PurchaseOrder(store_id=store.id, reference="PO-1", vendor="Vendor", created_by=user.id,
                       status=status)
    po.lines.append(POLine(item_id=item.id, ordered_qty=12, unit_cost_cents=100))
    db.session.add(po)
    db.session.commit()
    return {"po_id": po.id, "line_id": po.lines[0].id}


def _an_open_po(request) -> dict:
    return _a_po(request, status="open")


def _a_vendor(request) -> dict:
    from webapp.purchasing.vendors import CatalogInput, VendorInput, create_vendor, set_catalog_line

    store = request.getfixturevalue("store")
    item = request.getfixturevalue("make_item")("Vendor item")
    vendor = create_vendor(store.id, VendorInput("Matrix Vendor"))
    line = set_catalog_line(store.id, vendor.id, CatalogInput(item.id, 6, 600))
    return {"vendor_id": vendor.id, "line_id": line.id, "vendor_item_id": item.id}


def _a_receipt(request) -> dict:
    from webapp.receiving.models import Receipt, ReceiptLine
    from webapp.types import utcnow

    db, store = request.getfixturevalue("db"), request.getfixturevalue("store")
    user = request.getfixturevalue("make_user")("receiver")
    item = request.getfixturevalue("make_item")("Received item")
    receipt = Receipt(store_id=store.id, session_key=str(uuid.uuid4()), location_id=store.locations[0].id,
                      started_by=user.id, started_at=utcnow())
    receipt.lines.append(ReceiptLine(item_id=item.id, delivered_qty=1, accepted_qty=1))
    db.session.add(receipt)
    db.session.commit()
    return {"receipt_id": receipt.id, "session_key": receipt.session_key, "received_item_id": item.id}


def _a_pending_damage_flag(request) -> dict:
    from webapp.damage.models import DamageRecord
    from webapp.types import utcnow

    db, store = request.getfixturevalue("db"), request.getfixturevalue("store")
    user = request.getfixturevalue("make_user")("staff")
    item = request.getfixturevalue("make_item")("Dented can", cost_cents=9000)
    record = DamageRecord(store_id=store.id, event_id=str(uuid.uuid4()), item_id=item.id,
                          location_id=store.locations[0].id, quantity=1, reason="damaged", value_cents=9000,
                          status="pending", occurred_at=utcnow(), flagged_by=user.id)
    db.session.add(record)
    db.session.commit()
    return {"record_id": record.id}


def _a_held_refund(request) -> dict:
    from webapp.returns.models import HeldRefund
    from webapp.types import utcnow

    db, store = request.getfixturevalue("db"), request.getfixturevalue("store")
    item = request.getfixturevalue("make_item")("Returned item")
    held = HeldRefund(store_id=store.id, key=f"clover:O:{uuid.uuid4()}:refund", item_id=item.id,
                      location_id=store.locations[0].id, quantity=1, refunded_at=utcnow(), status="held")
    db.session.add(held)
    db.session.commit()
    return {"held_id": held.id}


def _a_count_session(request) -> dict:
    from webapp.counting import service
    from webapp.types import utcnow

    store = request.getfixturevalue("store")
    user = request.getfixturevalue("make_user")("staff")
    item = request.getfixturevalue("make_item")("Counted item")
    session = service.open_session(service.NewSession(store_id=store.id, location_id=store.locations[0].id,
                                                      created_by_id=user.id))
    service.record_scan(service.Scan(session.id, user.id, utcnow(), item_id=item.id), store.id)
    return {"session_id": session.id, "location_id": store.locations[0].id}


def _a_store_webhook_key(request) -> dict:
    from webapp.clover.webhooks import store_webhook_key

    return {"key": store_webhook_key(request.getfixturevalue("store").id)}


def _a_pending_count_line(request) -> dict:
    from datetime import timedelta

    from webapp.approvals.service import submit_count
    from webapp.counting import service
    from webapp.inventory.ledger import Ledger, NewEvent
    from webapp.types import utcnow

    db, store = request.getfixturevalue("db"), request.getfixturevalue("store")
    user = request.getfixturevalue("make_user")("staff")
    item = request.getfixturevalue("make_item")("Miscounted item", cost_cents=900)
    now, floor = utcnow(), store.locations[0]
    led = Ledger()
    led.append(NewEvent(key=str(uuid.uuid4()), kind="receive", store_id=store.id, item_id=item.id,
                        location_id=floor.id, quantity=10, occurred_at=now - timedelta(hours=2)))
    led.settle()
    db.session.commit()
    session = service.open_session(service.NewSession(store_id=store.id, location_id=floor.id,
                                                      created_by_id=user.id))
    service.record_scan(service.Scan(session.id, user.id, now - timedelta(minutes=5), quantity=3,
                                     item_id=item.id), store.id)
    (line,) = submit_count(session.id, user, now)
    return {"line_id": line.id}


def _an_unknown_code(request) -> dict:
    from webapp.types import utcnow
    from webapp.unknown.models import UnknownScan

    db, store = request.getfixturevalue("db"), request.getfixturevalue("store")
    user = request.getfixturevalue("make_user")("staff")
    db.session.add(UnknownScan(event_id=str(uuid.uuid4()), store_id=store.id, code="MTX-UNKNOWN",
                               raw_code="MTX-UNKNOWN", quantity=1, context="lookup", user_id=user.id,
                               occurred_at=utcnow(), status="pending"))
    db.session.commit()
    return {"unknown_code": "MTX-UNKNOWN"}


def _a_channel(request) -> dict:
    from webapp.channels import service, tokens

    db, store = request.getfixturevalue("db"), request.getfixturevalue("store")
    channel = service.create_channel(store.id, service.ChannelForm("Matrix shop"))
    token, _ = tokens.issue(tokens.NewToken(store.id, channel.id, "matrix", ("levels:read",)))
    db.session.commit()
    return {"channel_id": channel.id, "token_id": token.id}


def _a_count_plan(request) -> dict:
    from webapp.schedule import service

    db, store = request.getfixturevalue("db"), request.getfixturevalue("store")
    plan = service.create_plan(store.id, service.PlanForm("zone", store.locations[0].id, interval_days=7))
    db.session.commit()
    (task,) = service.open_tasks(store.id)
    return {"plan_id": plan.id, "task_id": task.id, "location_id": store.locations[0].id}


def _a_queued_label(request) -> dict:
    db = request.getfixturevalue("db")
    item = request.getfixturevalue("make_item")("Repriced", price_cents=100)
    item.price_cents = 120
    db.session.commit()
    return {}


# A bearer token, never a cookie: every visitor of the matrix (a browser session) gets 401.
_TOKEN_ONLY = dict.fromkeys(VISITORS, 401)


def _sync_batch(params: dict) -> dict:
    event = {"id": str(uuid.uuid4()), "type": "no_such_type", "occurred_at": "2026-11-28T10:02:11.900Z",
             "store_id": params["store_id"]}
    return {"device_id": "matrix", "device_time": "2026-11-28T10:04:05.120Z", "events": [event]}


CSV = b"sku,name,price\nMTX-1,Matrix row,1.00\n"
PO_CSV = b"reference,vendor,expected_on,code,quantity,unit_cost\nPO-9,Vendor,,036000291452,12,1.00\n"

ROUTES: list[Route] = [
    # foundation: auth and the app shell
    Route("GET", "/login", None, by_visitor={r: 302 for r in (*ROLES, "other_store")}),
    Route("POST", "/login", None, ok=401, body={"username": "nobody", "password": "wrong password"},
          refused_as=None),  # the login page again, saying why
    Route("POST", "/logout", "staff", ok=302),
    Route("GET", "/", "staff"),
    Route("GET", "/lookup", "staff"),
    Route("GET", "/outbox", "staff"),
    Route("GET", "/count", "staff"),
    Route("GET", "/offline", None),
    Route("GET", "/manifest.webmanifest", None),
    Route("GET", "/sw.js", None),
    Route("GET", "/pwa/session", "staff"),
    # catalog pages
    Route("GET", "/items", "manager"),
    Route("GET", "/items/<int:item_id>", "manager", scoped=True),
    Route("POST", "/items/<int:item_id>", "manager", ok=302, scoped=True,
          body={"name": "Renamed", "category": "x", "price": "1.00", "cost": "0.50", "reorder_point": "2",
                "active": "1"}),
    Route("POST", "/items/<int:item_id>/barcodes", "manager", ok=302, scoped=True,
          body={"code": "4006381333931", "pack_qty": "1"}),
    Route("POST", "/items/<int:item_id>/barcodes/<int:barcode_id>/delete", "manager", ok=302, scoped=True),
    Route("GET", "/items/new", "manager"),
    Route("POST", "/items/new", "manager", ok=302, body={"name": "Matrix item", "price": "1.00"}),
    Route("GET", "/items/export.csv", "manager"),
    Route("GET", "/items/import", "manager"),
    Route("POST", "/items/import", "manager", kind="multipart",
          body=lambda p: {"file": (io.BytesIO(CSV), "c.csv"), "mode": "preview"}),
    Route("GET", "/labels", "staff"),
    # unknown codes: another store's manager finds no such pending code (404)
    Route("GET", "/unknown-codes", "manager", setup=_an_unknown_code),
    Route("POST", "/unknown-codes/link", "manager", ok=303, scoped=True, setup=_an_unknown_code,
          body=lambda p: {"code": p["unknown_code"], "item_id": str(p["item_id"])}),
    Route("POST", "/unknown-codes/create", "manager", ok=303, scoped=True, setup=_an_unknown_code,
          body=lambda p: {"code": p["unknown_code"], "name": "Matrix new item"}),
    Route("POST", "/unknown-codes/dismiss", "manager", ok=303, scoped=True, setup=_an_unknown_code,
          body=lambda p: {"code": p["unknown_code"]}),
    Route("GET", "/api/v1/count-sessions/<session_id>/unscanned", "staff", scoped=True,
          setup=_a_count_session),
    Route("GET", "/api/v1/count-sessions/<session_id>/totals", "staff", scoped=True,
          setup=_a_count_session),
    # catalog API
    Route("GET", "/api/v1/items/lookup", "staff", scoped=True, query="code={code}"),
    Route("POST", "/api/v1/decode", "staff", kind="multipart",
          body=lambda p: {"image": (io.BytesIO(_png()), "p.png")}),
    Route("GET", "/api/v1/store/barcode-formats", "staff"),
    Route("POST", "/api/v1/store/barcode-formats", "manager", kind="json",
          body={"formats": ["ean13", "upca", "databar"]}),
    Route("GET", "/api/v1/store/label-rules", "staff"),
    Route("POST", "/api/v1/store/label-rules", "manager", kind="json",
          body={"rules": [{"prefix": "02", "kind": "weight", "item_digits": 5, "value_digits": 5,
                           "decimals": 2}]}),
    # ledger API
    Route("GET", "/api/v1/catalog", "staff"),
    Route("POST", "/api/v1/sync", "staff", kind="json", body=_sync_batch),
    # counting (staff), approvals and the item's stock page (manager)
    Route("GET", "/counting/", "staff"),
    Route("POST", "/counting/sessions", "staff", ok=303, setup=_a_count_session,
          body=lambda p: {"location_id": str(p["location_id"]), "blind": "1"},
          by_visitor={"other_store": 400}),
    Route("GET", "/counting/<session_id>", "staff", scoped=True, setup=_a_count_session),
    Route("GET", "/counting/<session_id>/summary", "staff", scoped=True, setup=_a_count_session),
    Route("POST", "/counting/<session_id>/scan", "staff", ok=303, scoped=True, setup=_a_count_session,
          body=lambda p: {"code": p["code"], "quantity": "2"}),
    Route("POST", "/counting/<session_id>/submit", "staff", ok=303, scoped=True, setup=_a_count_session),
    Route("GET", "/approvals/", "manager"),
    Route("GET", "/approvals/<int:line_id>", "manager", scoped=True, setup=_a_pending_count_line),
    Route("POST", "/approvals/<int:line_id>/decide", "manager", ok=303, scoped=True,
          setup=_a_pending_count_line, body={"action": "reject", "note": "matrix"}),
    Route("POST", "/approvals/bulk", "manager", ok=303, body={"max_value": "5"}),
    Route("POST", "/approvals/count-check", "manager", ok=303, body={"jump_percent": "50"}),
    Route("GET", "/inventory/items/<int:item_id>", "manager", scoped=True),
    Route("GET", "/items/openings", "manager"),
    Route("POST", "/items/openings", "manager", kind="multipart",
          body=lambda p: {"file": (io.BytesIO(b"sku,quantity\nNO-SUCH-SKU,1\n"), "openings.csv")}),
    # refunded goods not in stock (manager)
    Route("GET", "/returns/", "manager"),
    Route("POST", "/returns/rule", "manager", ok=303, body={"rule": "hold"}),
    Route("POST", "/returns/<int:held_id>/decide", "manager", ok=303, scoped=True, setup=_a_held_refund,
          body={"action": "vendor_return"}),
    # receiving (receiver+), purchase orders (manager+)
    Route("GET", "/receiving/", "receiver"),
    Route("GET", "/receiving/session", "receiver"),
    Route("GET", "/receiving/session/<session_key>", "receiver", ok=302, scoped=True, setup=_a_receipt),
    Route("GET", "/receiving/receipts/<int:receipt_id>", "receiver", scoped=True, setup=_a_receipt),
    Route("GET", "/receiving/receipts/<int:receipt_id>.csv", "receiver", scoped=True, setup=_a_receipt),
    Route("POST", "/receiving/receipts/<int:receipt_id>/cost", "manager", ok=302, scoped=True,
          setup=_a_receipt, body=lambda p: {"item_id": str(p["received_item_id"]), "cost": "1.25"}),
    Route("GET", "/receiving/pos", "manager"),
    Route("POST", "/receiving/pos", "manager", ok=302, body={"reference": "PO-2", "vendor": "Vendor"}),
    # Another store's import refuses the row: the code is not in its catalog.
    Route("POST", "/receiving/pos/import", "manager", kind="multipart", by_visitor={"other_store": 422},
          body=lambda p: {"file": (io.BytesIO(PO_CSV), "po.csv")}),
    Route("GET", "/receiving/pos/<int:po_id>", "manager", scoped=True, setup=_a_po),
    Route("POST", "/receiving/pos/<int:po_id>/lines", "manager", ok=302, scoped=True, setup=_a_po,
          body=lambda p: {"code": p["code"], "quantity": "6", "unit_cost": "1.00"}),
    Route("POST", "/receiving/pos/<int:po_id>/lines/<int:line_id>/remove", "manager", ok=302, scoped=True,
          setup=_a_po),
    Route("POST", "/receiving/pos/<int:po_id>/lines/<int:line_id>/cancel", "manager", ok=302, scoped=True,
          setup=_an_open_po),
    Route("POST", "/receiving/pos/<int:po_id>/send", "manager", ok=302, scoped=True, setup=_a_po),
    Route("POST", "/receiving/pos/<int:po_id>/close", "manager", ok=302, scoped=True, setup=_a_po),
    # purchasing (manager+): vendors, their catalogs, suggested orders, sending and cancelling POs
    Route("GET", "/purchasing/", "manager"),
    Route("POST", "/purchasing/vendors", "manager", ok=302,
          body={"name": "New Vendor", "lead_time_days": "3"}),
    Route("GET", "/purchasing/vendors/<int:vendor_id>", "manager", scoped=True, setup=_a_vendor),
    Route("POST", "/purchasing/vendors/<int:vendor_id>", "manager", ok=302, scoped=True, setup=_a_vendor,
          body={"name": "Renamed Vendor", "active": "1"}),
    Route("POST", "/purchasing/vendors/<int:vendor_id>/items", "manager", ok=302, scoped=True,
          setup=_a_vendor, body=lambda p: {"code": p["code"], "case_size": "12", "case_cost": "6.00"}),
    Route("POST", "/purchasing/vendors/<int:vendor_id>/items/<int:line_id>/remove", "manager", ok=302,
          scoped=True, setup=_a_vendor),
    Route("GET", "/purchasing/vendors.csv", "manager"),
    Route("GET", "/purchasing/vendor-items.csv", "manager"),
    Route("POST", "/purchasing/import", "manager", kind="multipart",
          body=lambda p: {"kind": "vendors", "file": (io.BytesIO(b"name\nImported Vendor\n"), "v.csv")}),
    Route("GET", "/purchasing/suggestions/<int:vendor_id>", "manager", scoped=True, setup=_a_vendor),
    Route("POST", "/purchasing/suggestions/<int:vendor_id>", "manager", ok=302, scoped=True, setup=_a_vendor,
          body=lambda p: {f"cases-{p['vendor_item_id']}": "2"}),
    Route("GET", "/purchasing/pos/<int:po_id>", "manager", scoped=True, setup=_a_po),
    Route("GET", "/purchasing/pos/<int:po_id>.pdf", "manager", scoped=True, setup=_a_po),
    Route("GET", "/purchasing/pos/<int:po_id>.csv", "manager", scoped=True, setup=_a_po),
    Route("POST", "/purchasing/pos/<int:po_id>/send", "manager", ok=302, scoped=True, setup=_a_po),
    Route("POST", "/purchasing/pos/<int:po_id>/cancel", "manager", ok=302, scoped=True, setup=_a_po),
    # damage and transfers
    Route("GET", "/damage/", "staff"),
    Route("GET", "/damage/new", "staff"),
    Route("GET", "/damage/queue", "manager"),
    Route("POST", "/damage/<int:record_id>/approve", "manager", ok=302, scoped=True,
          setup=_a_pending_damage_flag),
    Route("POST", "/damage/<int:record_id>/reject", "manager", ok=302, scoped=True,
          setup=_a_pending_damage_flag),
    Route("GET", "/transfers/new", "receiver"),
    # the API description: public, it names no data
    Route("GET", "/api/v1/openapi.json", None),
    # photos
    Route("POST", "/photos", "staff", ok=201, kind="multipart",
          body=lambda p: {"photo": (io.BytesIO(_png()), "p.png")}),
    Route("GET", "/photos/<int:photo_id>", "staff", scoped=True, setup=_a_photo),
    # clover: the connection page is the admin's; the webhook needs no login but X-Clover-Auth
    Route("POST", "/clover/webhook", None, ok=401, kind="json", body={"merchants": {}},
          refused_as="bad_webhook_auth"),
    Route("POST", "/clover/webhook/<key>", None, ok=401, kind="json", body={"merchants": {}},
          setup=_a_store_webhook_key, refused_as="bad_webhook_auth"),
    Route("GET", "/clover/", "admin"),
    Route("POST", "/clover/token", "admin", ok=302, body={"merchant_id": "XYZVJT2ZRRRSC", "token": "t"}),
    Route("POST", "/clover/auth-code", "admin", ok=302, body={"code": "c"}),
    Route("GET", "/clover/connect", "admin", ok=302),
    Route("GET", "/clover/oauth/callback", "admin", ok=400, query="state=forged&code=x"),
    Route("POST", "/clover/sync", "admin", ok=302),
    # Stock changed in Clover and open orders are a manager's; the App Market launch is public
    # (it binds nothing: no app configured here, 409), the install it leads to an admin's.
    Route("GET", "/clover/changes", "manager"),
    Route("POST", "/clover/changes/<int:change_id>/accept", "manager", ok=302, scoped=True,
          setup=_a_clover_change),
    Route("POST", "/clover/changes/<int:change_id>/overwrite", "manager", ok=302, scoped=True,
          setup=_a_clover_change),
    Route("GET", "/clover/open-orders", "manager"),
    Route("POST", "/clover/open-orders/setting", "manager", ok=409, body={"minutes": "30"}),
    Route("GET", "/clover/launch", None, ok=409, query="merchant_id=XYZVJT2ZRRRSC&code=c"),
    Route("GET", "/clover/install", "admin"),
    Route("POST", "/clover/install", "admin", ok=410),
    # reports and alerts (manager+): another store's manager sees their own store's figures
    Route("GET", "/reports/", "manager"),
    Route("GET", "/reports/valuation", "manager"),
    Route("GET", "/reports/valuation.csv", "manager"),
    Route("GET", "/reports/shrink", "manager"),
    Route("GET", "/reports/shrink.csv", "manager"),
    Route("GET", "/reports/accuracy", "manager"),
    Route("GET", "/reports/accuracy.csv", "manager"),
    Route("GET", "/reports/coverage", "manager"),
    Route("GET", "/reports/coverage.csv", "manager"),
    Route("GET", "/reports/ledger", "manager"),
    Route("GET", "/reports/ledger.csv", "manager"),
    Route("GET", "/alerts/", "manager"),
    Route("GET", "/alerts/items/<int:item_id>/reorder", "manager", scoped=True),
    Route("POST", "/alerts/items/<int:item_id>/reorder", "manager", ok=302, scoped=True,
          body={"manual_point": "3", "lead_time_days": "", "safety_stock": ""}),
    Route("POST", "/alerts/push/subscribe", "manager", kind="json", by_visitor={"anonymous": 401},
          body={"endpoint": "https://push.example.test/send/matrix", "keys": {"p256dh": "k", "auth": "a"}}),
    Route("POST", "/alerts/push/unsubscribe", "manager", kind="json", by_visitor={"anonymous": 401},
          body={"endpoint": "https://push.example.test/send/matrix"}),
    Route("GET", "/audit/", "manager"),
    Route("GET", "/audit/export.csv", "manager"),
    Route("GET", "/audit/verify", "manager"),
    Route("GET", "/channels/", "manager"),
    Route("POST", "/channels/", "manager", ok=303, body={"name": "Web shop", "default_buffer": "1"}),
    Route("POST", "/channels/<int:channel_id>", "manager", ok=303, scoped=True, setup=_a_channel,
          body={"name": "Renamed shop", "default_buffer": "2"}),
    Route("POST", "/channels/<int:channel_id>/buffers", "manager", ok=303, scoped=True, setup=_a_channel,
          body=lambda p: {"item_id": str(p["item_id"]), "buffer": "3"}),
    Route("POST", "/channels/<int:channel_id>/tokens", "manager", ok=303, scoped=True, setup=_a_channel,
          body={"name": "shop", "scopes": "levels:read"}),
    Route("POST", "/channels/tokens/<int:token_id>/revoke", "manager", ok=303, scoped=True, setup=_a_channel),
    Route("GET", "/api/v1/levels", None, ok=401, by_visitor=_TOKEN_ONLY),
    Route("PUT", "/api/v1/buffers/<int:item_id>", None, ok=401, kind="json", body={"buffer": 1},
          by_visitor=_TOKEN_ONLY),
    Route("GET", "/schedule/", "manager"),
    Route("POST", "/schedule/settings", "manager", ok=303,
          body={"a_days": "30", "b_days": "90", "c_days": "365"}),
    # Another store's manager names a location that is not theirs: a form error, not a probe.
    Route("POST", "/schedule/plans", "manager", ok=303, setup=_a_count_plan, by_visitor={"other_store": 400},
          body=lambda p: {"kind": "zone", "location_id": str(p["location_id"]), "interval_days": "7"}),
    Route("POST", "/schedule/plans/<int:plan_id>/stop", "manager", ok=303, scoped=True, setup=_a_count_plan),
    Route("POST", "/schedule/tasks/<int:task_id>/start", "staff", ok=303, scoped=True, setup=_a_count_plan),
    # Another store's location or code: the form's error (400), as for any location not yours.
    Route("GET", "/labels/queue", "staff"),
    Route("POST", "/labels/items/<int:item_id>", "staff", ok=303, scoped=True),
    Route("POST", "/labels/queue/print", "staff", setup=_a_queued_label, body={"to": "download"},
          by_visitor={"other_store": 409}),  # their own queue is empty
    Route("GET", "/schedule/sheet.pdf", "staff", setup=_a_count_plan, query="location_id={location_id}",
          by_visitor={"other_store": 400}),
    Route("POST", "/schedule/import", "manager", ok=303, kind="multipart", setup=_a_count_plan,
          by_visitor={"other_store": 400},
          body=lambda p: {"location_id": str(p["location_id"]),
                          "file": (io.BytesIO(f"code,quantity\n{p['code']},1\n".encode()), "counts.csv")}),
]

# Routes no visitor can be refused: the app's static files.
UNPROTECTED_ENDPOINTS = {"static"}


@pytest.fixture
def app_config(tmp_path):
    return {"PHOTO_DIR": str(tmp_path / "photos")}


def _app_routes(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in UNPROTECTED_ENDPOINTS
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_in_the_app_is_in_the_matrix(app):
    table = {(r.method, r.rule) for r in ROUTES}
    missing = sorted(_app_routes(app) - table)
    assert not missing, (
        f"add a Route(...) row to tests/integration/test_role_matrix.py for each of: {missing}"
    )


def test_every_row_of_the_matrix_is_a_route_of_the_app(app):
    stale = sorted({(r.method, r.rule) for r in ROUTES} - _app_routes(app))
    assert not stale, f"these rows name routes the app no longer has: {stale}"


def test_the_matrix_has_one_row_per_route():
    ids = [r.id for r in ROUTES]
    assert len(ids) == len(set(ids))


def _default_objects(request) -> dict:
    item = request.getfixturevalue("make_item")("Matrix Cola", barcodes=[("036000291452", 1)])
    return {"item_id": item.id, "barcode_id": item.barcodes[0].id, "code": item.barcodes[0].code}


def _client(request, visitor: str):
    if visitor == "anonymous":
        return request.getfixturevalue("client")
    login_as = request.getfixturevalue("login_as")
    if visitor == "other_store":
        return login_as(user=request.getfixturevalue("other_store_manager"))
    return login_as(visitor)


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_each_visitor_gets_the_status_the_matrix_says(request, store, route: Route, visitor: str):
    params = {"store_id": store.id, **_default_objects(request)}
    params.update(route.setup(request) if route.setup else {})
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(params[m.group(1)]), route.rule)
    if route.query:
        path += "?" + route.query.format(**params)
    client = _client(request, visitor)
    body = route.body(params) if callable(route.body) else dict(route.body or {})
    if route.method == "GET":
        response = client.get(path)
    elif route.method == "PUT":
        response = client.put(path, json=body, headers={"X-CSRFToken": client.csrf_token()})
    elif route.kind == "json":
        response = client.post_json(path, body)
    elif route.kind == "multipart":
        response = client.post_form(path, body, content_type="multipart/form-data")
    else:
        response = client.post_form(path, body)
    expected = route.expected(visitor)
    assert response.status_code == expected, (
        f"{visitor} {route.method} {path}: expected {expected}, got {response.status_code}: "
        f"{response.get_data(as_text=True)[:300]}"
    )
    if expected == 302 and visitor == "anonymous" and route.min_role is not None:
        assert "/login" in response.headers["Location"]
    if expected == 401 and route.min_role is None and route.refused_as:  # a token route refuses cookies too
        assert response.get_json()["error"]["code"] == route.refused_as
    if expected == 401 and route.min_role is not None:
        assert response.get_json()["error"]["code"] == "login_required"
