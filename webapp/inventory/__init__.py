"""Stock ledger and authoritative levels (issue 3)."""
