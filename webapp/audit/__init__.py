"""The audit trail: who changed what, when, and from where, in a hash chain per store.

Changes are caught by session events on the watched tables (``watch.py``), so every path
that changes an item, a price, a setting, a user or an approval (pages, the sync API,
imports, Clover pulls, the CLI) is recorded in the transaction that makes the change.
"""
