"""Bulk data in and out: imports (JSON, CSV, XLSX), filtered exports, catalogue dumps, backups.

- :mod:`kb.transfer.formats` — the import/export file format (columns, parsing, writing).
- :mod:`kb.transfer.importer` — validated, all-or-nothing, idempotent imports.
- :mod:`kb.transfer.dump` — ``export-all``/``import-all`` and ``backup``/``restore``.
- :mod:`kb.transfer.routes` and :mod:`kb.transfer.cli` — the pages and ``flask kb`` commands.
"""
