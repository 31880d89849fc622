"""Stores, locations, items and their barcodes."""
