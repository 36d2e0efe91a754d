"""A body over the one upload limit, with the CSRF check on as in production (it reads the
form before any view, which is where Werkzeug refuses the body): the person stays on the form
they posted, its file field saying the limit (413); access rules are the form's own."""

from __future__ import annotations

import io

import pytest
from flask import Flask

from kb.uploads.too_large import _PAGES
from tests.test_calls import people, published_call  # noqa: F401  (fixture and helper)

LIMIT_MB = 1
MESSAGE = f"The file is too large: the limit is {LIMIT_MB} MB."


@pytest.fixture
def limited(app: Flask) -> Flask:
    app.config.update(MAX_UPLOAD_MB=LIMIT_MB, MAX_CONTENT_LENGTH=LIMIT_MB * 1024 * 1024 + 64 * 1024)
    return app


def post_too_large(app: Flask, client, path: str):
    """Post a multipart body of twice the limit with the CSRF check on (the setup signs in
    without it), built by hand: the test client would spool a large form to a file it does
    not close."""
    app.config["WTF_CSRF_ENABLED"] = True
    payload = b"key,title\n" + b"x" * (2 * LIMIT_MB * 1024 * 1024)
    body = (
        b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\nanything\r\n'
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + payload + b"\r\n--b--\r\n"
    )
    return client.post(
        path,
        data=io.BytesIO(body),
        content_type="multipart/form-data; boundary=b",
        content_length=len(body),
    )


def assert_form_with_message(response) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert 'enctype="multipart/form-data"' in page and 'name="file"' in page  # the form
    assert MESSAGE in page
    assert 'name="csrf_token"' in page  # a fresh token: the next try goes through


def test_every_registered_form_page_is_a_route(limited):
    assert set(_PAGES) <= set(limited.view_functions)
    assert set(_PAGES) == {
        "transfer.import_file",
        "wordio.upload",
        "initiatives.import_page",
        "calls.answer",
    }


@pytest.mark.parametrize("path", ["/secretariat/import", "/initiatives/import", "/word/upload"])
def test_the_secretariat_stays_on_the_upload_form(limited, client, auth, make, path):
    auth.login(make.user("secretariat").email)
    assert_form_with_message(post_too_large(limited, client, path))


def test_the_word_upload_form_keeps_its_kinds(limited, client, auth, make):
    auth.login(make.user("provider").email)
    response = post_too_large(limited, client, "/word/upload")
    assert_form_with_message(response)
    assert 'name="kind"' in response.get_data(as_text=True)


def test_an_answer_form_keeps_the_saved_answers(limited, client, auth, people):  # noqa: F811
    call_id = published_call(client, auth)
    auth.login("ken@example.org")
    saved = {"answer_1": "Malware triage training.", "action": "draft"}
    assert client.post(f"/calls/{call_id}/answer", data=saved).status_code == 302
    response = post_too_large(limited, client, f"/calls/{call_id}/answer")
    assert_form_with_message(response)
    assert "Malware triage training." in response.get_data(as_text=True)


def test_access_rules_are_the_forms_own(limited, client, auth, make):
    anonymous = post_too_large(limited, client, "/secretariat/import")
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]
    limited.config["WTF_CSRF_ENABLED"] = False
    auth.login(make.user("provider").email)
    refused = post_too_large(limited, client, "/secretariat/import")
    assert refused.status_code == 403
    assert MESSAGE not in refused.get_data(as_text=True)


def test_other_pages_get_the_plain_message(limited, client, auth, make):
    auth.login(make.user("secretariat").email)
    response = post_too_large(limited, client, "/account/password")
    assert response.status_code == 413
    assert MESSAGE in response.get_data(as_text=True)
