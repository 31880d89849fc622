"""Damage and shrink: flag goods that left sellable stock, with a reason and photos."""
