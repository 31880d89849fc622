"""Manager decisions on count variances (issue 3)."""
