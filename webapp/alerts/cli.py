"""`flask alerts ...`: the periodic safety net, and VAPID keys for Web Push."""

from __future__ import annotations

import base64

import click
from flask.cli import AppGroup

from webapp.alerts import service

cli = AppGroup("alerts", help="Low-stock alerts: sweep every item, retry deliveries, make VAPID keys.")


@cli.command("check")
def check():
    """Evaluate every item's level against its reorder point and retry failed deliveries.

    Run it from cron (or after `flask clover sync`): levels rebuilt in bulk bypass the
    per-commit check, and a mail server that was down needs a second try."""
    raised, retried = service.sweep()
    click.echo(f"{raised} alert(s) raised, {retried} delivery retried.")


@cli.command("vapid-keys")
def vapid_keys():
    """Print a new VAPID key pair for VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(serialization.Encoding.X962,
                                           serialization.PublicFormat.UncompressedPoint)

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    click.echo(f"VAPID_PRIVATE_KEY={b64(private)}")
    click.echo(f"VAPID_PUBLIC_KEY={b64(public)}")
