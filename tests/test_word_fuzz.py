"""Fuzzing the parsers: any bytes give a result or a clear refusal, never a crash or a 500."""

from __future__ import annotations

import contextlib
import io
import warnings
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from kb.errors import Invalid
from kb.uploads.safety import check_office_zip, check_text, sniff
from kb.wordio.reader import Reading, read_docx
from kb.wordio.template import build_template

TEMPLATE = build_template("request")
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")  # duplicate names are part of the fuzz
        for name, data in members:
            zf.writestr(name, data)
    return out.getvalue()


def _members_of(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(n, zf.read(n)) for n in zf.namelist()]


MEMBERS = _members_of(TEMPLATE)
random_zips = st.lists(
    st.tuples(
        st.sampled_from(["[Content_Types].xml", "word/document.xml", "_rels/.rels", "x/../y"])
        # zipfile cuts a member name at a NUL byte: keep names non-empty after that.
        | st.text(min_size=1, max_size=20).filter(lambda name: name.split("\x00")[0]),
        st.binary(max_size=200),
    ),
    max_size=5,
).map(_zip)


@st.composite
def mutated_docx(draw: st.DrawFn) -> bytes:
    """The template with one part's bytes flipped, cut or replaced; or the zip bytes mutated."""
    if draw(st.booleans()):
        data = bytearray(TEMPLATE)
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(data) - 1))
            data[at] = draw(st.integers(0, 255))
        return bytes(data)
    members = list(MEMBERS)
    index = draw(st.integers(0, len(members) - 1))
    name, part = members[index]
    cut = draw(st.integers(0, len(part)))
    members[index] = (name, part[:cut] + draw(st.binary(max_size=40)) + part[cut:])
    return _zip(members)


def _read(data: bytes) -> None:
    with contextlib.suppress(Invalid):  # UnsafeFile is an Invalid
        assert isinstance(read_docx(data), Reading)


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    assert sniff(data) in {"docx", "xlsx", "zip", "json", "csv", "unknown"}
    for call in (lambda: check_office_zip(data, "xlsx"), lambda: check_text(data)):
        with contextlib.suppress(Invalid):
            call()
    _read(data)


@FUZZ
@given(random_zips)
def test_random_zips(data):
    assert sniff(data) in {"docx", "xlsx", "zip"}
    _read(data)


@FUZZ
@given(mutated_docx())
def test_mutated_templates(data):
    sniff(data)
    _read(data)


@pytest.fixture
def logged_in(client, auth, make):
    make.country("KEN")
    auth.login(make.user("secretariat").email)
    return client


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(st.binary(max_size=500), random_zips, mutated_docx()))
def test_random_uploads_never_give_a_server_error(logged_in, data):
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(data), "x.docx"), "kind": "request"}
    )
    response = logged_in.post(
        "/word/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code in {200, 400, 413, 415}
