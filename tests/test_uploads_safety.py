"""kb.uploads.safety: every refusal, with files built here with zipfile."""

from __future__ import annotations

import io
import zipfile

import docx
import openpyxl
import pytest

from kb.uploads.safety import (
    MAX_UPLOAD_BYTES,
    UnsafeFile,
    check_office_zip,
    check_size,
    check_text,
    sniff,
)

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
)
DOCUMENT = (
    '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
    'wordprocessingml/2006/main"><w:body/></w:document>'
)


def make_zip(members: dict[str, bytes | str], **kw) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, **kw) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def word_zip(main: str = WORD_MAIN, **extra: bytes | str) -> bytes:
    members = {
        "[Content_Types].xml": CONTENT_TYPES.format(main=main),
        "word/document.xml": DOCUMENT,
    }
    return make_zip({**members, **extra})


def real_docx() -> bytes:
    out = io.BytesIO()
    docx.Document().save(out)
    return out.getvalue()


def real_xlsx() -> bytes:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()


def refused(data: bytes, expected: str = "docx") -> UnsafeFile:
    with pytest.raises(UnsafeFile) as info:
        check_office_zip(data, expected)
    assert info.value.fields == {"file": [info.value.message]}
    return info.value


def test_sniff_by_content_not_name():
    assert sniff(real_docx()) == "docx"
    assert sniff(real_xlsx()) == "xlsx"
    assert sniff(make_zip({"a.txt": "hello"})) == "zip"
    assert sniff(b'{"a": [1, 2]}') == "json"
    assert sniff(b"name,code\nKenya,KEN\n") == "csv"
    assert sniff(b"\x89PNG\r\n\x1a\n\x00\x00") == "unknown"
    assert sniff(b"PK\x03\x04garbage") == "zip"


def test_real_office_files_pass_and_a_minimal_one_too():
    check_office_zip(real_docx(), "docx")
    check_office_zip(real_xlsx(), "xlsx")
    check_office_zip(word_zip(), "docx")


def test_size_limits():
    check_size(b"x")
    assert refused_size(b"").status_code == 400
    assert refused_size(b"x" * (MAX_UPLOAD_BYTES + 1)).status_code == 413
    assert refused_size(b"x" * 11, limit=10).status_code == 413


def refused_size(data: bytes, limit: int = MAX_UPLOAD_BYTES) -> UnsafeFile:
    with pytest.raises(UnsafeFile) as info:
        check_size(data, limit)
    return info.value


def test_wrong_kind_is_refused_both_ways():
    assert refused(real_docx(), "xlsx").status_code == 415
    assert refused(real_xlsx(), "docx").status_code == 415
    assert "not a Word document" in refused(b"plain text").message


def test_broken_and_truncated_zips():
    data = real_docx()
    assert "broken" in refused(b"PK\x03\x04" + b"\x00" * 40).message
    refused(data[: len(data) // 2])


def test_missing_content_types_or_main_part():
    assert refused(make_zip({"word/document.xml": DOCUMENT})).status_code == 415
    types = CONTENT_TYPES.format(main=WORD_MAIN)
    assert refused(make_zip({"[Content_Types].xml": types})).status_code == 415
    refused(word_zip(main="application/xml"))


def test_too_many_entries():
    members = {f"word/media/{i}.txt": "" for i in range(2001)}
    assert "too many" in refused(word_zip(**members)).message


def test_zip_bomb_by_ratio_and_by_total_size():
    assert "zip bomb" in refused(word_zip(**{"word/bomb.xml": b"0" * 2_000_000})).message
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES.format(main=WORD_MAIN))
        zf.writestr("word/document.xml", DOCUMENT)
        info = zipfile.ZipInfo("word/big.bin")
        zf.writestr(info, b"x")
    data = out.getvalue()
    patched = _patch_declared_size(data, "word/big.bin", 60 * 1024 * 1024)
    assert "zip bomb" in refused(patched).message


def _patch_declared_size(data: bytes, name: str, size: int) -> bytes:
    """Make the central directory claim ``size`` uncompressed bytes for ``name``."""
    raw = bytearray(data)
    header = b"PK\x01\x02"
    at = raw.find(header)
    while at != -1:
        name_len = int.from_bytes(raw[at + 28 : at + 30], "little")
        if raw[at + 46 : at + 46 + name_len] == name.encode():
            raw[at + 24 : at + 28] = size.to_bytes(4, "little")
        at = raw.find(header, at + 4)
    return bytes(raw)


def test_encrypted_member_is_refused():
    data = bytearray(word_zip())
    at = data.find(b"PK\x01\x02")  # flag the first member as encrypted in the central directory
    data[at + 8] |= 0x1
    assert "password" in refused(bytes(data)).message


@pytest.mark.parametrize("name", ["../evil.xml", "/etc/passwd", "word/../../x.xml", "C:\\x.xml"])
def test_path_traversal_names(name):
    assert "unsafe name" in refused(word_zip(**{name: "<a/>"})).message


def test_macros_are_refused():
    assert "macros" in refused(word_zip(**{"word/vbaProject.bin": b"\x00" * 10})).message
    docm = "application/vnd.ms-word.document.macroEnabled.main+xml"
    assert "macros" in refused(word_zip(main=docm)).message
    xlsm = real_xlsx().replace(b"x", b"x")  # keep a real workbook, rewrite its content types
    with zipfile.ZipFile(io.BytesIO(xlsm)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    assert "macros" in refused(make_zip(members), "xlsx").message


@pytest.mark.parametrize(
    "xml",
    [
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        "<lolz>&lol2;</lolz>",
        '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>',
        "<a><!ENTITY x 'y'></a>",
        '<?xml version="1.0" encoding="UTF-16"?><!doctype a><a/>',
    ],
)
def test_dtd_and_entities_are_refused(xml):
    encoding = "utf-16" if "UTF-16" in xml else "utf-8"
    data = word_zip(**{"word/settings.xml": xml.encode(encoding)})
    assert "DTD" in refused(data).message


def test_dtd_in_content_types_is_refused():
    types = '<!DOCTYPE t [<!ENTITY a "b">]>' + CONTENT_TYPES.format(main=WORD_MAIN)
    data = make_zip({"[Content_Types].xml": types, "word/document.xml": DOCUMENT})
    assert "DTD" in refused(data).message


def test_check_text():
    assert check_text("Côte d'Ivoire".encode()) == "Côte d'Ivoire"
    assert check_text(b"\xef\xbb\xbfname") == "name"
    assert check_text("Côte".encode("cp1252")) == "Côte"
    for data in (b"a\x00b", bytes(range(1, 32)) * 10):
        with pytest.raises(UnsafeFile):
            check_text(data)
