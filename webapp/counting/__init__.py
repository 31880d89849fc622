"""Count sessions, scans and their results (issue 3)."""
