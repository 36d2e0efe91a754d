"""Random and hostile query text on every page and API endpoint that takes a query.

Runs on SQLite and, in the suite's PostgreSQL pass, on PostgreSQL (where a NUL byte in a
string parameter used to be a 500). No answer may be a server error; pages answer 200 and
API endpoints 200 or a 4xx problem naming the parameter.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.inputs import clean_value

#: Pages and endpoints taking free text in ``q``, with their other string parameters.
PAGES = ("/search", "/search.json", "/requests", "/programmes")
API = ("/api/v1/search", "/api/v1/requests", "/api/v1/programmes")
OTHER_PARAMS = {
    "/requests": ("theme", "country", "language", "status", "sort"),
    "/search": ("theme", "country", "sort", "page"),
    "/search.json": ("page", "per_page", "literal"),
    "/programmes": ("theme", "country", "region", "sort", "page"),
    "/api/v1/requests": ("theme", "country", "sort"),
    "/countries": ("region",),
    "/organisations": ("type",),
    "/matches": ("region", "theme", "country", "since"),
}

CONTROL = st.characters(min_codepoint=0, max_codepoint=0x1F) | st.sampled_from("\x7f\x85\x9f")
HOSTILE = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=60),
    st.text(alphabet=CONTROL | st.characters(codec="utf-8"), max_size=40),
    st.builds(
        lambda w, n: w * n, st.sampled_from(["a", "zq", "é", "\x00", "("]), st.integers(1, 450)
    ),
    st.sampled_from(['"unbalanced', "((a", "AND OR NOT", "*", "-", "theme:", "a\x00b", "\x00"]),
)


@pytest.fixture
def corpus(make):
    make.request("KEN", title="Incident response training", description="CSIRT staff in Kenya.")
    make.programme(title="Cyber crime workshops", description="For prosecutors, in French.")


@pytest.mark.parametrize(
    "path",
    [
        "/requests?q=a%00b",
        "/api/v1/requests?q=%00",
        "/search?q=%00",
        "/search?page=%C2%B2",  # "²" is a Unicode digit that int() refuses
        "/search.json?per_page=%C2%B2",
        "/requests?page=%C2%B2",
    ],
)
def test_nul_bytes_in_query_strings(client, corpus, path):
    assert client.get(path).status_code == 200


def test_clean_value_keeps_text_and_drops_controls():
    assert clean_value("a\x00b\x1f c\x7f") == "ab c"
    assert clean_value("line\nbreak\ttab") == "line\nbreak\ttab"
    assert clean_value("line\nbreak", multiline=False) == "line break"
    assert clean_value("Côte d'Ivoire на русском") == "Côte d'Ivoire на русском"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=HOSTILE, other=st.text(alphabet=CONTROL | st.characters(codec="utf-8"), max_size=12))
def test_random_queries_never_fail(client, corpus, text, other):
    for path in (*PAGES, *API):
        params = {"q": text, **{name: other for name in OTHER_PARAMS.get(path, ())}}
        status = client.get(path, query_string=params).status_code
        if path.startswith("/api/"):
            assert status in (200, 400, 422), (path, params, status)
        else:
            assert status == 200, (path, params, status)
    for path, names in OTHER_PARAMS.items():
        if path not in PAGES and not path.startswith("/api/"):
            status = client.get(path, query_string=dict.fromkeys(names, other)).status_code
            assert status < 500, (path, other, status)
