"""The whoosh backend: the embedded default."""
