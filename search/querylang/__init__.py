"""The query language: parsing user input into a tree and rewriting it."""
