"""Moving stock between locations of one store (back room to sales floor)."""
