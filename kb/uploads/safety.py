"""Safety checks for uploaded files: size, type by content, Office zips, plain text.

Nothing here writes to disk or extracts a zip: members are read into memory in bounded chunks.
Every refusal is an :class:`UnsafeFile` whose ``message`` is a sentence for the person.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from typing import Any

from flask_babel import lazy_gettext as _l

from kb.config import DEFAULT_UPLOAD_MB, upload_limit_bytes
from kb.errors import Invalid

#: The default of ``KB_MAX_UPLOAD_MB`` (kb.config); the app's limit is :func:`upload_limit`.
MAX_UPLOAD_BYTES = upload_limit_bytes(DEFAULT_UPLOAD_MB)
MAX_ZIP_ENTRIES = 2000
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
_CHUNK = 64 * 1024

CONTENT_TYPES = "[Content_Types].xml"
MAIN_PARTS = {"docx": "/word/document.xml", "xlsx": "/xl/workbook.xml"}
MAIN_TYPES = {
    "docx": {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    },
    "xlsx": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    },
}
#: "The file is not …" for each kind, as one translatable sentence each.
NOT_A = {
    "docx": _l("The file is not a Word document (.docx)."),
    "xlsx": _l("The file is not an Excel workbook (.xlsx)."),
}
_MACRO_MARKERS = (b"macroenabled", b"vbaproject", b"ms-office.activex")
_DANGEROUS_XML = re.compile(rb"<!\s*(doctype|entity)", re.IGNORECASE)
#: Control characters that plain text does not hold (tab, newlines, form feed and the DOS
#: end-of-file mark are fine).
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x19\x1b-\x1f]")


class UnsafeFile(Invalid):
    """An upload was refused; ``fields`` names ``file``; ``status_code`` is 400, 413 or 415."""

    def __init__(self, message: Any, status_code: int = 400) -> None:
        super().__init__(message, {"file": [message]})
        self.status_code = status_code


def upload_limit() -> int:
    """The one upload limit in bytes: ``KB_MAX_UPLOAD_MB`` (the default outside an app)."""
    from flask import current_app, has_app_context

    if has_app_context() and current_app.config.get("MAX_UPLOAD_MB"):
        return int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024
    return MAX_UPLOAD_BYTES


def too_large_message(limit: int | None = None) -> str:
    megabytes = round((limit or upload_limit()) / 1048576)
    return str(_l("The file is too large: the limit is %(limit)s MB.", limit=megabytes))


def check_size(data: bytes, limit: int | None = None) -> None:
    """Refuse an empty file or one larger than ``limit`` bytes (default: the app's) (413)."""
    limit = limit or upload_limit()
    if not data:
        raise UnsafeFile(_l("The file is empty."))
    if len(data) > limit:
        raise UnsafeFile(
            _l(
                "The file is too large (%(size)s MB); the limit is %(limit)s MB.",
                size=f"{len(data) / 1048576:.2f}",
                limit=round(limit / 1048576),
            ),
            413,
        )


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # zipfile raises many types on corrupt input
        raise UnsafeFile(
            _l("The file is not a valid Office document (the zip is broken).")
        ) from exc


def _office_kind(zf: zipfile.ZipFile) -> str:
    """Guess docx/xlsx from the member names only (cheap; used by :func:`sniff`)."""
    names = set(zf.namelist())
    if CONTENT_TYPES in names:
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return "zip"


def sniff(data: bytes) -> str:
    """Name the kind of file by its content: docx, xlsx, zip, json, csv or unknown."""
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                return _office_kind(zf)
        except Exception:
            return "zip"
    try:
        text = check_text(data)
    except UnsafeFile:
        return "unknown"
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            json.loads(stripped)
        except RecursionError:  # JSON, nested too deeply: the parser says so in its own words
            return "json"
        except ValueError:
            pass
        else:
            return "json"
    lines = [line for line in stripped.splitlines()[:5] if line.strip()]
    if lines and any(sep in lines[0] for sep in (",", ";", "\t")):
        return "csv"
    return "unknown"


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """Yield a member's bytes in chunks, refusing more than it declared (a lying header)."""
    total = 0
    with zf.open(info) as handle:
        while chunk := handle.read(_CHUNK):
            total += len(chunk)
            if total > info.file_size or total > MAX_UNCOMPRESSED_BYTES:
                raise UnsafeFile(_l("The file looks like a zip bomb and was refused."))
            yield chunk


def _has_dangerous_xml(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """True when the member holds a DTD or entity declaration (XXE, billion laughs)."""
    head = b""
    tail = b""
    for chunk in _read_member(zf, info):
        if not head:
            head = chunk[:4]
        if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
            chunk = chunk.replace(b"\x00", b"")
        window = tail + chunk
        if _DANGEROUS_XML.search(window):
            return True
        tail = window[-32:]
    return False


def _check_entries(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ZIP_ENTRIES:
        raise UnsafeFile(
            _l("The file has too many parts (more than %(num)s).", num=MAX_ZIP_ENTRIES)
        )
    total = 0
    for info in infos:
        name = info.filename
        if info.flag_bits & 0x1:
            raise UnsafeFile(
                _l("The file is encrypted or password-protected; remove the password.")
            )
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or ".." in parts or ":" in name or "\x00" in name:
            raise UnsafeFile(_l("The file contains a part with an unsafe name and was refused."))
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_UNCOMPRESSED_BYTES or ratio > MAX_COMPRESSION_RATIO:
            raise UnsafeFile(_l("The file looks like a zip bomb and was refused."))
        if name.lower().endswith("vbaproject.bin"):
            raise UnsafeFile(_l("The file contains macros; save it as a plain .docx or .xlsx."))


def _content_types(zf: zipfile.ZipFile, expected: str) -> None:
    from defusedxml import ElementTree

    try:
        info = zf.getinfo(CONTENT_TYPES)
    except KeyError as exc:
        raise UnsafeFile(NOT_A[expected], 415) from exc
    raw = b"".join(_read_member(zf, info))
    if _DANGEROUS_XML.search(raw.replace(b"\x00", b"")):
        raise UnsafeFile(_l("The file contains a DTD or entity declaration, which is not allowed."))
    if any(marker in raw.lower() for marker in _MACRO_MARKERS):
        raise UnsafeFile(_l("The file contains macros; save it as a plain .docx or .xlsx."))
    try:
        root = ElementTree.fromstring(raw)
    except Exception as exc:
        raise UnsafeFile(_l("The file is not a valid Office document.")) from exc
    types = {
        el.get("PartName", ""): el.get("ContentType", "")
        for el in root
        if str(el.tag).endswith("Override")
    }
    main = MAIN_PARTS[expected]
    if types.get(main) not in MAIN_TYPES[expected] or main.lstrip("/") not in zf.namelist():
        raise UnsafeFile(NOT_A[expected], 415)


def check_office_zip(data: bytes, expected: str) -> None:
    """Refuse anything that is not a safe, macro-free Office file of the ``expected`` kind."""
    if expected not in MAIN_PARTS:
        raise ValueError(f"unknown Office kind {expected!r}")
    if data[:4] != b"PK\x03\x04":
        raise UnsafeFile(NOT_A[expected], 415)
    zf = _open_zip(data)
    try:
        with zf:
            infos = zf.infolist()
            _check_entries(infos)
            _content_types(zf, expected)
            for info in infos:
                if _has_dangerous_xml(zf, info):
                    raise UnsafeFile(
                        _l("The file contains a DTD or entity declaration, which is not allowed.")
                    )
    except UnsafeFile:
        raise
    except Exception as exc:  # corrupt members: bad CRC, bad compression, truncated data
        raise UnsafeFile(
            _l("The file is not a valid Office document (a part is damaged).")
        ) from exc


def check_text(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM) or else Windows-1252; refuse binary content."""
    if b"\x00" in data:
        raise UnsafeFile(_l("The file is not a text file (it contains binary data)."), 415)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise UnsafeFile(_l("The file is not a text file; save it as UTF-8."), 415) from exc
    controls = len(_CONTROLS.findall(text))
    if controls > max(1, len(text) // 100):
        raise UnsafeFile(_l("The file is not a text file (it contains binary data)."), 415)
    return text
