"""The demo store that `make run` seeds, so a newcomer has something to scan."""
