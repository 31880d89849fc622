"""Low-stock alerts: the crossing state per item, and delivery by email and Web Push."""
