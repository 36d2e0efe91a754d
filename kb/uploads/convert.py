"""Word 97-2003 (.doc), OpenDocument (.odt) and RTF uploads → .docx, with LibreOffice if present.

The format is detected from the file's bytes, never its name. Conversion runs ``soffice
--headless --convert-to docx`` in a fresh private temporary folder (mode 0700) holding the input,
the output and LibreOffice's own profile (``-env:UserInstallation``), with a time limit after which
the whole process group is killed; the folder is removed afterwards. The result goes through the
usual .docx checks (:func:`kb.uploads.safety.check_office_zip`) like any upload.

LibreOffice is optional (``KB_SOFFICE``: its path, found on ``PATH`` when unset, ``off`` to turn
conversion off). Without it the person is told which format was detected and how to save as .docx.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kb.uploads.safety import UnsafeFile, _check_entries, upload_limit

#: The OLE2 compound file signature (Word 97-2003, Excel 97-2003, ...).
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_ODT_MIME = b"application/vnd.oasis.opendocument.text"
#: Seconds a conversion may take (``KB_CONVERT_TIMEOUT``).
DEFAULT_TIMEOUT = 60


@dataclass(frozen=True)
class Format:
    """A word-processing format LibreOffice can turn into .docx."""

    code: str  # doc | odt | rtf, also the input file's extension
    name: object  # lazy, translated name shown to people


FORMATS = {
    "doc": Format("doc", _l("a Word 97–2003 document (.doc)")),
    "odt": Format("odt", _l("an OpenDocument text (.odt)")),
    "rtf": Format("rtf", _l("a Rich Text Format document (.rtf)")),
}


def detect(data: bytes) -> Format | None:
    """The convertible format of ``data`` by its bytes: .doc, .odt, .rtf, or None."""
    if data[:8] == _CFB:
        # the directory of a Word 97-2003 file names its main stream "WordDocument" (UTF-16)
        return FORMATS["doc"] if _WORD_STREAM in data else None
    if data[:5] == b"{\\rtf":
        return FORMATS["rtf"]
    if data[:4] == b"PK\x03\x04" and _ODT_MIME in data[:200]:
        # ODF puts an uncompressed "mimetype" member first; confirm through the zip itself
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                if zf.read("mimetype").strip() == _ODT_MIME:
                    return FORMATS["odt"]
        except Exception:
            return None
    return None


def soffice_path() -> str | None:
    """The LibreOffice program to use, or None when it is absent or turned off."""
    from flask import current_app, has_app_context

    configured = current_app.config.get("SOFFICE") if has_app_context() else None
    if configured == "off":
        return None
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def _timeout() -> int:
    from flask import current_app, has_app_context

    if has_app_context() and current_app.config.get("CONVERT_TIMEOUT"):
        return int(current_app.config["CONVERT_TIMEOUT"])
    return DEFAULT_TIMEOUT


def how_to_save(fmt: Format) -> str:
    """The refusal when the server cannot convert: the detected format and what to do."""
    return _(
        "This file is %(format)s. This server cannot convert it: open it in Word or LibreOffice, "
        "choose File › Save As, pick “Word Document (.docx)” and upload the .docx.",
        format=fmt.name,
    )


def as_docx(data: bytes) -> tuple[bytes, Format | None]:
    """``data`` unchanged when it is not .doc/.odt/.rtf; else converted, with its format.

    :raise UnsafeFile: a convertible format without LibreOffice, or the conversion failed.
    """
    fmt = detect(data)
    if fmt is None:
        return data, None
    program = soffice_path()
    if program is None:
        raise UnsafeFile(how_to_save(fmt), 415)
    if fmt.code == "odt":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            _check_entries(zf.infolist())  # no zip bombs, encrypted parts or odd names
    return convert(data, fmt, program, _timeout()), fmt


def convert(data: bytes, fmt: Format, program: str, timeout: int) -> bytes:
    """Run LibreOffice headless on ``data`` in a private temporary folder; the .docx bytes."""
    with tempfile.TemporaryDirectory(prefix="kb-convert-") as folder:
        work = Path(folder)
        source = work / f"upload.{fmt.code}"
        source.write_bytes(data)
        outdir = work / "out"
        outdir.mkdir()
        command = [
            program,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(outdir),
            str(source),
        ]
        path = os.environ.get("PATH", "/usr/bin:/bin")
        env = {"HOME": str(work), "PATH": path, "LANG": "C.UTF-8"}
        failed = UnsafeFile(
            _(
                "This file is %(format)s and could not be converted to .docx; "
                "save it as .docx and upload that.",
                format=fmt.name,
            )
        )
        try:
            process = subprocess.Popen(  # a fixed argument list, no shell
                command,
                cwd=work,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # its own process group, killed as a whole on timeout
            )
        except OSError as exc:
            raise failed from exc
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            _kill_group(process)
            raise UnsafeFile(
                _("Converting the file to .docx took too long; save it as .docx and upload that.")
            ) from exc
        finally:
            _kill_group(process)  # helpers LibreOffice may have left behind
        result = outdir / "upload.docx"
        if process.returncode != 0 or not result.is_file():
            raise failed
        if result.stat().st_size > max(upload_limit(), 4 * len(data)):
            raise failed
        return result.read_bytes()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.returncode is None:
        process.wait()
