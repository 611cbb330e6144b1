"""The `ratchet` command line."""
