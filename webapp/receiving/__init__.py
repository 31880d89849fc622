"""Receiving: purchase orders, deliveries scanned at the dock, discrepancies for vendor claims."""
