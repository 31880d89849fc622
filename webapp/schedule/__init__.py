"""The cycle-count schedule: recurring count tasks per zone, category or ABC class, assigned to people."""
