"""Purchasing: vendors, their catalogs, suggested orders and sending purchase orders."""
