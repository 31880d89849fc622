"""Serve the emulator: ``python -m clover_emulator --port 8765 --trade-every 20``.

Seeds one merchant (``--merchant``, ``--items-json``) with a static API token (``--token``,
clover-api.md 2.4), serves threaded like the real API's concurrency expects, prints the base
URL, and optionally trades live so the demo has sales flowing.
"""

import argparse
import json
import sys
from pathlib import Path

from werkzeug.serving import make_server

from clover_emulator.app import create_emulator_app
from clover_emulator.generator import LiveTrader

DEMO_ITEMS = [
    {
        "name": "Oat Milk 1L",
        "price": 499,
        "cost": 310,
        "code": "0850012345678",
        "sku": "OAT-1L",
        "quantity": 24,
        "categories": ["Dairy"],
        "autoManage": True,
    },
    {
        "name": "Cold Brew 12oz",
        "price": 450,
        "cost": 180,
        "code": "0036000291452",
        "sku": "CB-12",
        "quantity": 40,
        "categories": ["Drinks"],
    },
    {
        "name": "Coffee Beans (bulk)",
        "price": 1899,
        "cost": 950,
        "sku": "BEAN-BULK",
        "priceType": "PER_UNIT",
        "unitName": "lb",
        "quantity": 12.75,
        "categories": ["Coffee"],
    },
    {
        "name": "Sourdough Loaf",
        "price": 650,
        "cost": 240,
        "code": "0725272730706",
        "sku": "SD-LOAF",
        "quantity": 15,
        "categories": ["Bakery"],
    },
    {
        "name": "Blueberry Muffin",
        "price": 325,
        "cost": 90,
        "sku": "MUF-BB",
        "quantity": 30,
        "categories": ["Bakery"],
    },
    {
        "name": "Sparkling Water 500ml",
        "price": 199,
        "cost": 60,
        "code": "0012000161155",
        "sku": "SW-500",
        "quantity": 96,
        "categories": ["Drinks"],
    },
    {
        "name": "Dark Chocolate Bar",
        "price": 399,
        "cost": 150,
        "code": "0034000002405",
        "sku": "CHOC-DK",
        "quantity": 50,
    },
    {
        "name": "Bananas",
        "price": 69,
        "cost": 25,
        "sku": "BAN-LB",
        "priceType": "PER_UNIT",
        "unitName": "lb",
        "quantity": 40.0,
        "categories": ["Produce"],
    },
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m clover_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--merchant", default="XYZVJT2ZRRRSC", help="merchant id (13 chars, 0-9A-Z)")
    parser.add_argument("--token", default="emulator-token", help="static merchant API token, all scopes")
    parser.add_argument("--items-json", type=Path, help="JSON list of item specs (see merchants.py)")
    parser.add_argument("--auto-decrement", action="store_true", help="Clover lowers stock at each sale")
    parser.add_argument("--no-rate-limits", action="store_true")
    parser.add_argument("--webhook-url")
    parser.add_argument("--webhook-auth-code", default="emulator-webhook-auth-code")
    parser.add_argument("--trade-every", type=float, help="ring up a generated sale every N seconds")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    items = json.loads(args.items_json.read_text()) if args.items_json else DEMO_ITEMS
    app = create_emulator_app(
        {
            "merchants": [
                {
                    "id": args.merchant,
                    "name": "Demo Store",
                    "items": items,
                    "auto_decrement": args.auto_decrement,
                    "tokens": [{"token": args.token}],
                }
            ],
            "rate_limits": {"enabled": not args.no_rate_limits},
            "webhooks": {"url": args.webhook_url, "auth_code": args.webhook_auth_code},
        }
    )
    server = make_server(args.host, args.port, app, threaded=True)
    store = app.extensions["clover_emulator"]
    app.extensions["clover_emulator_webhooks"].ensure_started()
    if args.trade_every:
        with store.lock:
            merchant = store.merchant(args.merchant)
            merchant.trading = LiveTrader(store, args.merchant, args.trade_every, args.seed).start()
    print(
        f"Clover emulator at http://{args.host}:{server.server_port} merchant={args.merchant} "
        f"token={args.token}",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.extensions["clover_emulator_webhooks"].stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
