"""Device-facing JSON API: the sync endpoint and the offline catalog."""
