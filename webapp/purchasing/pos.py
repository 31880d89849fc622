"""Purchase orders from suggestions, sent to the vendor by email, or cancelled.

A PO made here names its vendor record and is a draft the manager can still edit on the PO
page. Sending fixes it (``open``, shown as sent), sets the expected date from the vendor's
lead time when none was given, and emails the vendor the PDF and CSV through the app's SMTP
settings. Every send is recorded (``POSending``): sent, failed, or no_email when the vendor
has no address or the store no mail server; the email leaves after the commit.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import func, select

from webapp.alerts import delivery
from webapp.catalog.models import Store
from webapp.errors import Conflict, DomainError
from webapp.extensions import db
from webapp.purchasing import documents, suggest
from webapp.purchasing.models import POSending, POVendor, Vendor
from webapp.purchasing.vendors import get_vendor, unit_cost_cents, vendor_of
from webapp.receiving import orders
from webapp.receiving.models import PurchaseOrder
from webapp.receiving.service import get_po
from webapp.types import utcnow

log = logging.getLogger(__name__)
MAX_CASES = 100_000


def next_reference(store_id: int) -> str:
    """PO-YYYYMMDD-N, the first N free in the store."""
    stem = f"PO-{utcnow():%Y%m%d}-"
    taken = set(db.session.scalars(select(PurchaseOrder.reference).where(
        PurchaseOrder.store_id == store_id, PurchaseOrder.reference.like(f"{stem}%"))))
    n = len(taken) + 1
    while f"{stem}{n}" in taken:
        n += 1
    return f"{stem}{n}"


def po_from_suggestion(store_id: int, user_id: int, vendor_id: int,
                       cases: Mapping[int, int]) -> PurchaseOrder:
    """A draft PO for ``vendor_id`` with ``cases`` (item id -> whole cases, as the manager left them).

    Only items of the vendor's catalog can be ordered this way; zero cases leaves an item out.
    """
    vendor = get_vendor(store_id, vendor_id)
    catalog = {line.item_id: line for line in vendor.items}
    lines = []
    for item_id, count in sorted(cases.items()):
        line = catalog.get(item_id)
        if line is None:
            raise DomainError("not_in_catalog", f"{vendor.name} does not sell item {item_id}; add it to the "
                              "vendor's catalog first.", "cases")
        if not 0 <= count <= MAX_CASES:
            raise DomainError("bad_cases", f"Order 0 to {MAX_CASES} cases of {line.item.name}.", "cases")
        if count:
            lines.append(orders.LineInput(item_id, count * line.case_size, unit_cost_cents(line)))
    if not lines:
        raise DomainError("empty_po", "Every quantity is zero: order at least one case.", "cases")
    expected = (utcnow() + timedelta(days=vendor.lead_time_days)).date()
    po = orders.stage_po(store_id, user_id, orders.POInput(
        next_reference(store_id), vendor.name, expected, lines=tuple(lines)))
    db.session.add(POVendor(po_id=po.id, vendor_id=vendor.id))
    db.session.commit()
    return po


def sendings(po_id: int) -> list[POSending]:
    return list(db.session.scalars(select(POSending).where(POSending.po_id == po_id).order_by(POSending.id)))


def _recipients(vendor: Vendor | None) -> list[str]:
    if vendor is None:
        return []
    return [e.strip() for e in vendor.email.split(",") if e.strip()]


def send_po(store_id: int, po_id: int, user_id: int) -> POSending:
    """Fix a draft (or send a sent PO again) and email it to the vendor; the sending is recorded."""
    po = get_po(store_id, po_id)
    if po.status == "draft":
        if not po.lines:
            raise DomainError("empty_po", "Add at least one line before sending the PO.")
        po.status = "open"
    elif po.status not in ("open", "partially_received"):
        raise Conflict("po_not_sendable", f"PO {po.reference} is {po.status.replace('_', ' ')}; "
                       "it cannot be sent.")
    vendor = vendor_of(po, link=True)
    if po.expected_on is None and vendor is not None:
        po.expected_on = (utcnow() + timedelta(days=vendor.lead_time_days)).date()
    recipients = _recipients(vendor)
    mailable = bool(recipients) and delivery.email_enabled()
    record = POSending(po_id=po.id, sent_by=user_id, recipients=", ".join(recipients)[:500],
                       status="sent" if mailable else "no_email",
                       note="" if mailable else ("The vendor has no email address." if not recipients
                                                 else "No mail server is set (SMTP_HOST)."))
    db.session.add(record)
    message = _message(po) if mailable else None
    db.session.commit()
    if message is not None:
        try:
            subject, body, attachments = message
            delivery.send_email(subject, body, recipients, attachments)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("PO %s email failed: %s", po.reference, exc)
            record.status, record.note = "failed", f"The email failed: {exc}"[:500]
            db.session.commit()
    return record


def _message(po: PurchaseOrder):
    store = db.session.get(Store, po.store_id)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in po.reference)
    subject = f"Purchase order {po.reference} from {store.name}"
    body = "\n".join([f"Hello {po.vendor},", "",
                      f"Please find purchase order {po.reference} from {store.name} attached, as a PDF "
                      "and as a CSV file.",
                      f"Please deliver by {po.expected_on:%A %Y-%m-%d}." if po.expected_on else "",
                      "", "Quote the PO number on the delivery note and the invoice.", "", store.name])
    attachments = [(f"{safe}.pdf", "application/pdf", documents.po_pdf(po)),
                   (f"{safe}.csv", "text/csv", documents.po_csv(po).encode())]
    return subject, body, attachments


def cancel_po(store_id: int, po_id: int) -> PurchaseOrder:
    """Nothing of it will come: a draft or a sent PO with nothing received yet."""
    po = get_po(store_id, po_id)
    if po.status not in ("draft", "open"):
        hint = (" Close it instead: what is still due is cancelled."
                if po.status == "partially_received" else "")
        raise Conflict("po_not_cancellable", f"PO {po.reference} is {po.status.replace('_', ' ')}.{hint}")
    if any(line.received_qty for line in po.lines):
        raise Conflict("po_not_cancellable", f"Part of PO {po.reference} was received; close it instead.")
    po.status = "cancelled"
    db.session.commit()
    return po


def suggestion_for(store_id: int, vendor_id: int) -> suggest.VendorSuggestion | None:
    found = suggest.suggest(store_id, vendor_id=vendor_id)
    return found[0] if found else None


def open_po_counts(store_id: int) -> dict[int, int]:
    """Per vendor, how many of its POs are drafts (made but not sent yet)."""
    return dict(db.session.execute(
        select(POVendor.vendor_id, func.count()).join(PurchaseOrder, PurchaseOrder.id == POVendor.po_id)
        .where(PurchaseOrder.store_id == store_id, PurchaseOrder.status == "draft")
        .group_by(POVendor.vendor_id)).tuples().all())
