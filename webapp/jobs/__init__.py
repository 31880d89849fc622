"""The periodic jobs in one long-lived process: Clover sync for every connected store, then the
low-stock alert sweep (``flask jobs run``), instead of a fresh Python process for each, each time."""
