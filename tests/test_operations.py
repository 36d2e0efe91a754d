"""Operations: rules, revisions for every change, one commit, nothing partial on failure."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kb.catalogue import operations
from kb.errors import Conflict, Forbidden, Invalid
from kb.extensions import db
from kb.history import revisions_for
from kb.models import Programme, Request, Revision
from kb.uow import unit_of_work

VALID_REQUEST = {
    "country_code": "KEN",
    "title": "Help drafting a national cybersecurity strategy",
    "description": "We need advice on drafting and consulting on our first national strategy.",
    "themes": ["national_strategy"],
    "support_types": ["policy_advice"],
    "languages": ["en"],
}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_edit_and_lifecycle_leave_a_full_history(make):
    focal = make.user("focal_point", country="KEN")
    secretariat = make.user("secretariat")
    with unit_of_work():
        request = operations.create_request(focal, VALID_REQUEST)
    assert request.status == "draft"
    with unit_of_work():
        changes = operations.update_record(
            focal, request, {**VALID_REQUEST, "title": "Help drafting our strategy, 2027"}
        )
    assert changes == {
        "title": [
            "Help drafting a national cybersecurity strategy",
            "Help drafting our strategy, 2027",
        ]
    }
    with unit_of_work():
        operations.change_status(focal, request, "submit")
    with unit_of_work():
        operations.change_status(secretariat, request, "return", "Please name the ministry.")
    assert request.status == "draft" and request.return_comment == "Please name the ministry."
    with unit_of_work():
        operations.change_status(focal, request, "submit")
        operations.change_status(secretariat, request, "publish")
    assert request.status == "open" and request.published_at is not None
    with unit_of_work():
        operations.change_status(focal, request, "withdraw")
    with unit_of_work():
        operations.change_status(secretariat, request, "reinstate")
    assert request.status == "open"  # back to where it was before withdrawal

    history = revisions_for(request)
    actions = [r.action for r in reversed(history)]
    assert actions == [
        "created",
        "edited",
        "submit",
        "return",
        "submit",
        "publish",
        "withdraw",
        "reinstate",
    ]
    returned = next(r for r in history if r.action == "return")
    assert returned.user_id == secretariat.id
    assert returned.changes == {"status": ["submitted", "draft"]}
    assert returned.comment == "Please name the ministry."


def test_edit_without_changes_writes_no_revision(make):
    focal = make.user("focal_point", country="KEN")
    with unit_of_work():
        request = operations.create_request(focal, VALID_REQUEST)
    with unit_of_work():
        assert operations.update_record(focal, request, VALID_REQUEST) == {}
    assert [r.action for r in revisions_for(request)] == ["created"]


def test_invalid_input_names_the_fields(make):
    focal = make.user("focal_point", country="KEN")
    bad = {**VALID_REQUEST, "title": "x", "themes": ["not_a_theme"], "languages": []}
    with pytest.raises(Invalid) as err:
        operations.create_request(focal, bad)
    assert set(err.value.fields) == {"title", "themes", "languages"}
    assert "Unknown code not_a_theme." in err.value.fields["themes"]


def test_programme_dates_are_checked(make):
    provider = make.user("provider")
    data = {
        "organisation_id": provider.organisation_id,
        "title": "Forensics bootcamp",
        "description": "Two weeks of hands-on digital forensics for investigators.",
        "themes": ["cybercrime"],
        "support_types": ["training"],
        "languages": ["en"],
        "start_date": "2027-05-01",
        "end_date": "2027-04-01",
    }
    with pytest.raises(Invalid) as err:
        operations.create_programme(provider, data)
    assert "end_date" in err.value.fields


def test_focal_point_cannot_create_for_another_state(make):
    make.country("SEN")
    focal = make.user("focal_point", country="KEN")
    with pytest.raises(Forbidden):
        operations.create_request(focal, {**VALID_REQUEST, "country_code": "SEN"})
    assert _count(Request) == 0


def test_owner_cannot_move_record_to_another_owner(make):
    make.country("SEN")
    focal = make.user("focal_point", country="KEN")
    with unit_of_work():
        request = operations.create_request(focal, VALID_REQUEST)
    with pytest.raises(Invalid) as err:
        operations.update_record(focal, request, {**VALID_REQUEST, "country_code": "SEN"})
    assert "country_code" in err.value.fields


def test_wrong_transitions_are_conflicts(make):
    focal = make.user("focal_point", country="KEN")
    secretariat = make.user("secretariat")
    with unit_of_work():
        request = operations.create_request(focal, VALID_REQUEST)
    with pytest.raises(Conflict):
        operations.change_status(secretariat, request, "publish")  # a draft is not submitted
    with pytest.raises(Forbidden):
        operations.change_status(focal, request, "publish")  # only the Secretariat publishes
    with pytest.raises(Invalid):
        operations.change_status(secretariat, request, "explode")
    with unit_of_work():
        operations.change_status(focal, request, "submit")
    with pytest.raises(Invalid):
        operations.change_status(secretariat, request, "return", "  ")  # a comment is required


def test_failed_unit_of_work_leaves_no_partial_data(make):
    focal = make.user("focal_point", country="KEN")
    before = (_count(Request), _count(Revision))
    with pytest.raises(RuntimeError), unit_of_work():
        operations.create_request(focal, VALID_REQUEST)  # flushed: row and revision exist
        raise RuntimeError("disk full")  # …then something fails before the commit
    assert (_count(Request), _count(Revision)) == before


def test_failed_second_write_rolls_back_the_first(make):
    focal = make.user("focal_point", country="KEN")
    with unit_of_work():
        request = operations.create_request(focal, VALID_REQUEST)
    with pytest.raises(Invalid), unit_of_work():
        operations.update_record(focal, request, {**VALID_REQUEST, "title": "A better title"})
        operations.create_request(focal, {**VALID_REQUEST, "themes": ["bogus"]})
    db.session.expire_all()
    assert db.session.get(Request, request.id).title == VALID_REQUEST["title"]
    assert _count(Request) == 1
    assert [r.action for r in revisions_for(request)] == ["created"]


def test_close_expired_programmes(make):
    from datetime import date

    org = make.organisation()
    ended = make.programme(org, end_date=date(2020, 1, 1))
    running = make.programme(org, end_date=date(2099, 1, 1))
    with unit_of_work():
        closed = operations.close_expired(date.today())
    assert [p.id for p in closed] == [ended.id]
    assert db.session.get(Programme, running.id).status == "open"
    assert revisions_for(ended)[0].action == "expired"


def test_no_route_deletes_rows(app):
    for rule in app.url_map.iter_rules():
        assert "DELETE" not in (rule.methods or set()), rule
