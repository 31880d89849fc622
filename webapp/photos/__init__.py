"""Photos of damaged goods and delivery problems: re-encoded, stripped, stored per store."""
