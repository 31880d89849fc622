"""Device-facing JSON API: the sync endpoint and the offline catalog (the sync layer itself is
``webapp.sync``)."""
