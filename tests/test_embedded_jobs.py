"""The embedded queue (no KB_QUEUE_URL): jobs sent while a page is served run after it, in
a background thread, so an edit's page never waits for the matcher's refit."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from flask import Flask

from kb.catalogue import operations
from kb.extensions import db
from kb.jobs.queue import get_queue
from kb.matching.service import MatchService, match_service
from kb.models import MatchSuggestion
from kb.uow import unit_of_work

FUTURE = date.today() + timedelta(days=365)


def _background(app: Flask) -> None:
    app.config["EMBEDDED_JOBS"] = "background"
    app.extensions.pop("kb_jobs", None)


def _listed(programme_id: int) -> int:
    return db.session.query(MatchSuggestion).filter_by(programme_id=programme_id).count()


def test_an_edit_answers_before_the_refit_and_the_lists_follow(app, make, monkeypatch):
    org = make.organisation()
    programme = make.programme(org, title="Digital forensics laboratory set-up",
                               description="We equip forensics laboratories for police.",
                               themes=["cybercrime"], end_date=FUTURE)  # fmt: skip
    make.request("KEN", title="Forensics laboratory for the police", themes=["cybercrime"],
                 description="Our police need a digital forensics laboratory.")  # fmt: skip
    with unit_of_work():
        match_service().refresh()
    assert _listed(programme.id) > 0
    secretariat = make.user("secretariat")
    _background(app)
    release, fitted_in = threading.Event(), []
    original = MatchService.engine

    def slow_engine(self):  # a refit that takes as long as the test wants
        fitted_in.append(threading.current_thread().name)
        assert release.wait(30)
        return original(self)

    monkeypatch.setattr(MatchService, "engine", slow_engine)
    with app.test_request_context(f"/programmes/{programme.id}/status/close", method="POST"):
        with unit_of_work():
            operations.change_status(secretariat, programme, "close")
        # the unit of work returned: the page can answer while the refresh waits
        assert not release.is_set() and _listed(programme.id) > 0
    release.set()
    assert get_queue().wait(30)
    db.session.expire_all()
    assert _listed(programme.id) == 0  # the closed programme left every stored list
    assert fitted_in and set(fitted_in) == {"kb-embedded-jobs"}


def test_jobs_outside_a_page_and_inline_mode_run_at_once(app, make):
    _background(app)
    org = make.organisation()
    programme = make.programme(org, end_date=FUTURE)
    make.request("KEN")
    with unit_of_work():  # a CLI command or the scheduler: no page to answer
        match_service().refresh()
        operations.change_status(make.user("secretariat"), programme, "close")
    assert _listed(programme.id) == 0
