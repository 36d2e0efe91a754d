"""A list about to change says so: while the match refresh after a commit has not run, a
request that a changed programme may join (and a programme a changed request may join) says
its list is being updated, on its page, in its API twin and on the Matches page — counting
only records the viewer may see, so a hidden programme's write never shows on a public page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from kb.catalogue import operations
from kb.extensions import db
from kb.jobs.runner import run_with_retries
from kb.matching import pending
from kb.matching.service import match_service
from kb.models import MatchPending, MatchSuggestion
from kb.uow import unit_of_work

FUTURE = date.today() + timedelta(days=365)
FORENSICS = {
    "description": "Our police cybercrime unit needs a digital forensics laboratory and "
    "training for examiners in evidence handling.",
    "themes": ["cybercrime"],
    "support_types": ["equipment", "training"],
}
JOINING_PROGRAMME = "A programme that may join this list changed at"
JOINING_REQUEST = "A request that may join this list changed at"
CATALOGUE = "is not in these matches yet; they are being updated."


class HeldJobs:
    """A queue whose worker is busy: jobs wait until :meth:`run` (as with ``KB_QUEUE_URL``
    and a worker still on an earlier job)."""

    kind = "held"

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any], int | None]] = []

    def send(self, name: str, kwargs: dict[str, Any], job_id: int | None = None) -> None:
        self.sent.append((name, kwargs, job_id))

    def send_background(self, name: str, kwargs: dict[str, Any], job_id: int) -> None:
        self.send(name, kwargs, job_id)

    def send_soon(self, name: str, kwargs: dict[str, Any]) -> None:
        self.send(name, kwargs)

    def check(self) -> None:
        return None

    def run(self) -> None:
        sent, self.sent = self.sent, []
        for name, kwargs, job_id in sent:
            run_with_retries(name, kwargs, job_id, 0)


@pytest.fixture
def held(app: Flask) -> HeldJobs:
    queue = HeldJobs()
    app.extensions["kb_jobs"] = queue
    return queue


@pytest.fixture
def catalogue(make):
    """A Kenyan forensics request; a public and a confidential forensics programme open only
    to Asia-Pacific states (so in no Kenyan list); stored lists computed."""
    org = make.organisation(name="Forensics Institute")
    request = make.request("KEN", title="Forensics laboratory for the cybercrime unit", **FORENSICS)
    common = {
        "description": "We equip digital forensics laboratories and train police examiners.",
        "themes": ["cybercrime"],
        "support_types": ["equipment", "training"],
        "eligible_regions": ["Asia-Pacific"],
        "end_date": FUTURE,
    }
    public = make.programme(org, title="Forensics laboratories for the Pacific", **common)
    hidden = make.programme(
        org, title="Confidential forensics programme", visibility="secretariat", **common
    )
    draft = make.programme(org, title="Draft forensics programme", status="draft", **common)
    with unit_of_work():
        match_service().refresh()
    listed = _listed(request)
    assert public.id not in listed and hidden.id not in listed
    return request, public, hidden, draft


def _listed(request) -> set[int]:
    query = select(MatchSuggestion.programme_id).where(
        MatchSuggestion.side == "request", MatchSuggestion.request_id == request.id
    )
    return set(db.session.scalars(query))


def _open_to_all(actor, programme) -> None:
    with unit_of_work():
        operations.update_record(actor, programme, {"eligible_regions": []}, partial=True)


def _views(client, request) -> tuple[str, Any, str, Any, Any]:
    return (
        client.get(f"/requests/{request.id}").get_data(as_text=True),
        client.get(f"/api/v1/requests/{request.id}/matches").get_json()["updating_since"],
        client.get("/matches").get_data(as_text=True),
        client.get("/api/v1/matches").get_json()["updating_since"],
        client.get("/api/v1/matches/unmet").get_json()["updating_since"],
    )


def test_a_request_says_its_list_is_being_updated_until_the_programme_joins(
    catalogue, held, make, client
):
    request, public, _hidden, _draft = catalogue
    before = _views(client, request)
    assert JOINING_PROGRAMME not in before[0] and CATALOGUE not in before[2]
    assert before[1] is None and before[3] is None and before[4] is None

    _open_to_all(make.user("secretariat"), public)  # Kenya may take part now
    assert [name for name, _, _ in held.sent].count("match.refresh") == 1
    page, api, matches, pairs_api, unmet_api = _views(client, request)
    assert JOINING_PROGRAMME in page  # the list it is about to join says so
    assert api is not None and pairs_api == api and unmet_api == api
    assert CATALOGUE in matches
    assert public.id not in _listed(request)  # still the old list

    held.run()  # the worker gets to the refresh
    assert public.id in _listed(request)
    page, api, matches, pairs_api, unmet_api = _views(client, request)
    assert JOINING_PROGRAMME not in page and CATALOGUE not in matches
    assert api is None and pairs_api is None and unmet_api is None
    assert db.session.scalar(select(func.count()).select_from(MatchPending)) == 0


def test_a_hidden_programme_waiting_for_its_refresh_changes_no_public_page(
    catalogue, held, make, client, auth
):
    request, _public, hidden, draft = catalogue
    secretariat = make.user("secretariat")
    _open_to_all(secretariat, hidden)
    _open_to_all(secretariat, draft)
    page, api, matches, pairs_api, unmet_api = _views(client, request)
    assert JOINING_PROGRAMME not in page and CATALOGUE not in matches
    assert (api, pairs_api, unmet_api) == (None, None, None)
    focal = make.user("focal_point", country="KEN")  # the request's owner: not theirs either
    auth.login(focal.email)
    page, api, matches, _, _ = _views(client, request)
    assert JOINING_PROGRAMME not in page and CATALOGUE not in matches and api is None
    auth.logout()

    auth.login(secretariat.email)  # who may see the confidential programme is told
    page, api, matches, pairs_api, _ = _views(client, request)
    assert JOINING_PROGRAMME in page and CATALOGUE in matches
    assert api is not None and pairs_api is not None
    held.run()
    page, api, _, _, _ = _views(client, request)
    assert JOINING_PROGRAMME not in page and api is None


def test_a_programme_its_state_may_not_join_leaves_the_request_page_alone(
    catalogue, held, make, client
):
    request, public, _hidden, _draft = catalogue
    with unit_of_work():
        operations.update_record(
            make.user("secretariat"), public, {"title": "Forensics labs in the Pacific"},
            partial=True,
        )  # fmt: skip
    page, api, matches, _, _ = _views(client, request)
    assert JOINING_PROGRAMME not in page and api is None  # Kenya still may not take part
    assert CATALOGUE in matches  # the Pacific's lists may change


def test_a_programme_page_says_a_new_request_may_join_its_list(catalogue, held, make, client):
    _request, public, _hidden, _draft = catalogue
    secretariat = make.user("secretariat")
    _open_to_all(secretariat, public)
    held.run()
    programme_page = f"/programmes/{public.id}"
    assert JOINING_REQUEST not in client.get(programme_page).get_data(as_text=True)
    focal = make.user("focal_point", country="FJI")
    with unit_of_work():
        new = operations.create_request(
            focal, {"country_code": "FJI", "title": "Forensics lab for police", **FORENSICS,
                    "languages": ["en"]}
        )  # fmt: skip
        operations.change_status(focal, new, "submit")
        operations.change_status(secretariat, new, "publish")
    assert JOINING_REQUEST in client.get(programme_page).get_data(as_text=True)
    api = client.get(f"/api/v1/programmes/{public.id}/matches").get_json()
    assert api["updating_since"] is not None
    held.run()
    assert JOINING_REQUEST not in client.get(programme_page).get_data(as_text=True)
    assert (
        client.get(f"/api/v1/programmes/{public.id}/matches").get_json()["updating_since"] is None
    )


def test_a_refresh_clears_only_the_changes_committed_before_it_read_them(catalogue, held, make):
    _request, public, _hidden, _draft = catalogue
    ref = ("programme", public.id)
    pending.note([ref])
    db.session.commit()
    covered = pending.claim([ref])
    pending.note([ref])  # another edit, committed while the refresh runs
    db.session.commit()
    pending.clear(covered)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(MatchPending)) == 1
    with unit_of_work():
        match_service().refresh()  # a full refresh covers every change made before it
    assert db.session.scalar(select(func.count()).select_from(MatchPending)) == 0
