"""Other sales channels: the level feed, its webhook, safety buffers, and API tokens."""
