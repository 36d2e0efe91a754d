"""Turn an uploaded or CLI file into import rows, after the upload safety checks."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kb.codes import N_
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
        message = N_("Upload a CSV, XLSX or JSON file.")
        raise Invalid(message, {"file": [message]})
    if kind is not None and kind not in KINDS:
        raise Invalid(
            _l("Unknown kind %(kind)s.", kind=kind),
            {"kind": [_l("Choose one of: %(kinds)s.", kinds=", ".join(KINDS))]},
        )
    chosen = kind or found
    if chosen is None:
        message = N_("Say what the file holds: requests, programmes, organisations or initiatives.")
        raise Invalid(message, {"kind": [message]})
    return chosen, rows
