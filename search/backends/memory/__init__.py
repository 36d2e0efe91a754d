"""The in-memory backend (tests, small catalogues)."""
