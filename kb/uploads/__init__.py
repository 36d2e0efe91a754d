"""Upload handling shared by the Word and spreadsheet importers: see :mod:`kb.uploads.safety`."""
