"""Backends behind ``search.interface.backend.SearchBackend`` and their shared engine."""
