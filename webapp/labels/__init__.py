"""Shelf and price labels: a queue filled when a price changes or an item is received, printed as
ZPL (a Zebra printer over raw TCP, or a download)."""
