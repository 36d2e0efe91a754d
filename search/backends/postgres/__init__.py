"""The PostgreSQL full-text backend: one shared index for several hosts."""
