"""Turn an uploaded or CLI file into import rows, after the upload safety checks."""

from __future__ import annotations

from kb.errors import Invalid
from kb.transfer.formats import KINDS, Row, parse
from kb.uploads.safety import check_office_zip, check_size, check_text, sniff


def read_file(data: bytes, kind: str | None = None) -> tuple[str, list[tuple[int, Row]]]:
    """Check ``data`` (size, type by content, Office zip safety), parse it, settle the kind.

    :raise UnsafeFile: refused by the safety checks. :raise Invalid: unreadable, or the kind
        is neither given nor recognisable from the columns.
    """
    check_size(data)
    fmt = sniff(data)
    if fmt == "xlsx":
        check_office_zip(data, "xlsx")
        found, rows = parse(data, "xlsx")
    elif fmt in ("csv", "json"):
        found, rows = parse(check_text(data), fmt)
    else:
        raise Invalid(
            "Upload a CSV, XLSX or JSON file.", {"file": ["Upload a CSV, XLSX or JSON file."]}
        )
    if kind is not None and kind not in KINDS:
        raise Invalid(f"Unknown kind {kind}.", {"kind": [f"Choose one of: {', '.join(KINDS)}."]})
    chosen = kind or found
    if chosen is None:
        message = "Say what the file holds: requests, programmes, organisations or initiatives."
        raise Invalid(message, {"kind": [message]})
    return chosen, rows
