"""Refunded goods and whether they go back to stock (issue 15)."""
