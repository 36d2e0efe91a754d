"""Cached page fragments (kb/fragments.py): keyed on the data generation and the viewer class."""

from __future__ import annotations

from flask import Flask

from kb import fragments
from kb.extensions import db
from kb.models import LoginAttempt, Request
from kb.models.types import utcnow


def _cache(app: Flask) -> fragments.FragmentCache:
    return app.extensions["kb_fragments"]


def test_a_page_is_drawn_once_per_generation(app, client, make):
    make.request("KEN", title="Quokka incident drills")
    first = client.get("/requests").get_data(as_text=True)
    hits = _cache(app).hits
    assert client.get("/requests").get_data(as_text=True) == first
    assert _cache(app).hits > hits
    make.request("KEN", title="Wombat incident drills")  # a commit: a new generation
    page = client.get("/requests").get_data(as_text=True)
    assert "Wombat incident drills" in page and "Quokka incident drills" in page


def test_a_fragment_is_never_served_to_another_viewer_class(app, client, make, auth):
    make.request("KEN", title="Quokka public plan")
    make.request("KEN", title="Quokka confidential plan", visibility="secretariat")
    secretariat = make.user("secretariat")
    auth.login(secretariat.email)
    for path in ("/requests", "/countries/KEN", "/", "/matches"):
        client.get(path)
    assert "Quokka confidential plan" in client.get("/requests").get_data(as_text=True)
    auth.logout()
    for path in ("/requests", "/countries/KEN", "/"):
        page = client.get(path).get_data(as_text=True)
        assert "Quokka public plan" in page
        assert "Quokka confidential plan" not in page
    assert "confidential" not in client.get("/api/v1/requests").get_data(as_text=True)


def test_only_writes_to_what_pages_show_change_the_generation(app, make):
    make.request("KEN")
    before = fragments.generation()
    assert before not in (None, False)
    db.session.add(LoginAttempt(email="x@example.org", remote_addr="127.0.0.1", at=utcnow()))
    db.session.commit()
    assert fragments.generation() == before
    make.request("SEN")
    assert fragments.generation() != before


def test_uncommitted_writes_neither_read_nor_fill_the_cache(app, make):
    make.request("KEN")
    db.session.add(Request(title="Draft in flight", description="x", country_code="KEN"))
    db.session.flush()
    assert fragments.generation() is False
    db.session.rollback()
    assert fragments.generation() not in (None, False)


def test_a_fragment_holding_a_form_token_is_not_kept(app, make):
    make.request("KEN")
    drawn = []

    def render() -> str:
        drawn.append(1)
        return '<form><input type="hidden" name="csrf_token" value="secret"></form>'

    for _ in range(2):
        with app.test_request_context("/requests"):
            fragments.fragment("form", render)
    assert len(drawn) == 2

    def plain() -> str:
        drawn.append(1)
        return "<p>figures</p>"

    for _ in range(2):
        with app.test_request_context("/requests"):
            assert fragments.fragment("plain", plain) == "<p>figures</p>"
    assert len(drawn) == 3


def test_lazy_values_are_computed_once_and_only_when_used():
    calls = []
    value = fragments.lazy(lambda: calls.append(1) or {"total": 3, "items": [1, 2]})
    assert not calls
    assert value["total"] == 3 and list(value["items"]) == [1, 2] and len(value) == 2
    assert calls == [1]
    assert fragments.value_of(value) == {"total": 3, "items": [1, 2]}
