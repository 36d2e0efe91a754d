"""Files from real office suites: LibreOffice-saved forms, and .doc / .odt / .rtf uploads.

With LibreOffice installed (``soffice`` on PATH) a filled form is saved by LibreOffice itself as
.docx, .doc, .odt and .rtf, and each is read field for field. Without it, the same test checks the
refusal that names the format instead; the refusal test with conversion turned off always runs.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from kb.uploads.convert import detect
from tests.test_word_pages import counts, fill, form_values, upload

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
DATA = Path(__file__).parent / "data"
FIELDS = {
    "Requesting state": "Kenya",
    "Title": "Forensics training for the national CSIRT",
    "Description": "Our CSIRT needs hands-on digital forensics training for ten analysts.",
    "Text language": "en",
    "Urgency": "High",
    "Visibility": "verified",
}
CHECKS = {
    "Themes": ["incident_response", "technical_skills"],
    "Support types": ["training"],
    "Working languages": ["en", "fr"],
}


def _odt() -> bytes:
    """A minimal OpenDocument text, as a zip with its ``mimetype`` member first."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        zf.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def _resave(docx: bytes, target: str, folder: Path) -> bytes:
    """Open ``docx`` in LibreOffice and save it as ``target`` (docx, doc, odt or rtf)."""
    source = folder / "filled.docx"
    source.write_bytes(docx)
    outdir = folder / target
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return (outdir / f"filled.{target}").read_bytes()


def test_formats_are_detected_from_bytes_not_names():
    assert detect((DATA / "word97.doc").read_bytes()).code == "doc"
    assert detect(b"{\\rtf1\\ansi Hello}").code == "rtf"
    assert detect(_odt()).code == "odt"
    assert detect(b"PK\x03\x04 not a zip application/vnd.oasis.opendocument.text") is None
    assert detect(b"plain text") is None and detect(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1xls") is None


def test_without_libreoffice_the_format_is_named_with_how_to_save(app, client, auth, make):
    app.config["SOFFICE"] = "off"
    auth.login(make.user("focal_point", country="KEN").email)
    assert "cannot be read here" in client.get("/word/upload").get_data(True)
    before = counts()
    for data, name in (
        ((DATA / "word97.doc").read_bytes(), "a Word 97–2003 document (.doc)"),
        (_odt(), "an OpenDocument text (.odt)"),
        (b"{\\rtf1\\ansi Forensics training}", "a Rich Text Format document (.rtf)"),
    ):
        refused = upload(client, data, name="form.docx")  # the name does not matter
        html = refused.get_data(as_text=True)
        assert refused.status_code == 415, html
        assert f"This file is {name}" in html and "Word Document (.docx)" in html
    assert counts() == before


def test_a_form_saved_by_libreoffice_is_read_field_for_field(app, client, auth, make, tmp_path):
    """.docx re-saved by LibreOffice, and .doc/.odt/.rtf converted on upload: the same values."""
    auth.login(make.user("focal_point", country="KEN").email)
    blank = client.get("/word/templates/request.docx").data
    filled = fill(blank, FIELDS, CHECKS)
    if SOFFICE is None:  # no LibreOffice here: the refusal is what people get
        rtf = b"{\\rtf1\\ansi Forensics training}"
        refused = upload(client, rtf, name="form.rtf").get_data(as_text=True)
        assert "This file is a Rich Text Format document (.rtf)" in refused
        return
    assert "converts them to .docx with LibreOffice" in client.get("/word/upload").get_data(True)
    before = counts()
    for target in ("docx", "doc", "odt", "rtf"):
        saved = _resave(filled, target, tmp_path)
        if target != "docx":
            assert detect(saved).code == target
        review = upload(client, saved, name="upload.bin")
        html = review.get_data(as_text=True)
        assert review.status_code == 200, (target, html[:2000])
        values = form_values(html)
        assert values["title"] == [FIELDS["Title"]], target
        assert values["description"] == [FIELDS["Description"]], target
        assert values["themes"] == CHECKS["Themes"], target
        assert values["support_types"] == ["training"], target
        assert values["languages"] == ["en", "fr"], target
        assert values["urgency"] == ["high"] and values["visibility"] == ["verified"], target
        assert values["country_code"] == ["KEN"], target
        assert ("converted it to .docx with LibreOffice" in html) == (target != "docx"), target
    assert counts() == before  # reading saves nothing


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("sleep 30 & sleep 30\n", "took too long"),  # killed with its children after 1 s
        ("exit 0\n", "could not be converted to .docx"),  # no output
        ("exit 1\n", "could not be converted to .docx"),
    ],
)
def test_a_failed_or_slow_conversion_is_refused(app, client, auth, make, tmp_path, script, message):
    program = tmp_path / "fake-soffice"
    program.write_text("#!/bin/sh\n" + script)
    program.chmod(0o755)
    app.config.update(SOFFICE=str(program), CONVERT_TIMEOUT=1)
    auth.login(make.user("focal_point", country="KEN").email)
    before = counts()
    started = time.monotonic()
    refused = upload(client, (DATA / "word97.doc").read_bytes())
    assert time.monotonic() - started < 10
    assert refused.status_code == 400 and message in refused.get_data(as_text=True)
    assert counts() == before
