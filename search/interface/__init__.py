"""The interface every backend implements: documents in, queries, results, errors."""
