"""A missing or outdated search index is rebuilt by a job, never inside a page view: meanwhile
searches use the previous index when it is still readable, else answer 503 with a message."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from flask import Flask

from kb.jobs.queue import get_queue
from kb.searching.service import search_service
from search.backends.whoosh.backend import WhooshBackend


@pytest.fixture
def whoosh_app(app: Flask, tmp_path: Path) -> Flask:
    app.config.update(SEARCH_BACKEND="whoosh", SEARCH_DIR=str(tmp_path / "index"))
    app.extensions["kb_search"] = None
    yield app
    service = app.extensions.get("kb_search")
    if service is not None:
        service.backend.close()
    app.extensions["kb_search"] = None


def _background(app: Flask) -> None:
    app.config["EMBEDDED_JOBS"] = "background"
    app.extensions.pop("kb_jobs", None)


def _meta(app: Flask) -> Path:
    return Path(app.config["SEARCH_DIR"]) / "current" / "meta.json"


def _outdate(app: Flask, **changes: object) -> None:
    meta = json.loads(_meta(app).read_text())
    meta.update(changes)
    _meta(app).write_text(json.dumps(meta))


def _held_rebuild(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, list[str]]:
    """Rebuilds wait for the returned event; the list names the threads they ran in."""
    release, threads = threading.Event(), []
    original = WhooshBackend.rebuild

    def rebuild(self, docs, progress=None):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        assert release.wait(30)
        return original(self, docs, progress)

    monkeypatch.setattr(WhooshBackend, "rebuild", rebuild)
    return release, threads


def test_another_schema_answers_503_while_a_job_rebuilds(whoosh_app, client, make, monkeypatch):
    make.request("KEN", title="Incident response team training")
    search_service().reindex()
    _outdate(whoosh_app, schema_version=-1)
    whoosh_app.extensions["kb_search"] = None  # a new release's process
    _background(whoosh_app)
    release, threads = _held_rebuild(monkeypatch)

    page = client.get("/search?q=incident")
    assert page.status_code == 503 and page.headers["Retry-After"]
    assert "being rebuilt" in page.get_data(as_text=True)
    api = client.get("/api/v1/search?q=incident")
    assert api.status_code == 503
    assert api.get_json()["type"].endswith("/unavailable")
    assert client.get("/search.json?q=incident").status_code == 503
    ready = client.get("/readyz").get_json()
    assert ready["checks"]["index"].startswith("rebuilding")

    release.set()
    assert get_queue().wait(30)
    assert threads == ["kb-embedded-jobs"]  # one rebuild, in the job thread, not in a page
    search_service()._looked_at = -1e9  # past the recheck interval
    found = client.get("/search.json?q=incident")
    assert found.status_code == 200 and found.get_json()["total"] == 1


def test_another_thesaurus_is_searched_while_the_job_rebuilds(
    whoosh_app, client, make, monkeypatch
):
    make.request("KEN", title="Incident response team training")
    search_service().reindex()
    _outdate(whoosh_app, thesaurus_version="older")
    whoosh_app.extensions["kb_search"] = None
    _background(whoosh_app)
    release, threads = _held_rebuild(monkeypatch)

    found = client.get("/search.json?q=incident")  # answered from the previous index
    assert found.status_code == 200 and found.get_json()["total"] == 1
    assert "outdated" in client.get("/readyz").get_json()["checks"]["index"]
    release.set()
    assert get_queue().wait(30)
    assert threads == ["kb-embedded-jobs"]
    assert not search_service().backend.needs_rebuild()


def test_the_rebuild_job_builds_once_when_several_processes_asked(whoosh_app, make, monkeypatch):
    from kb.jobs.runner import execute

    make.request("KEN", title="Incident response team training")
    calls: list[int] = []
    original = WhooshBackend.rebuild

    def counted(self, docs, progress=None):  # type: ignore[no-untyped-def]
        calls.append(1)
        return original(self, docs, progress)

    monkeypatch.setattr(WhooshBackend, "rebuild", counted)
    assert execute("search.rebuild", {}) == 1
    assert execute("search.rebuild", {}) == 0  # current: nothing to do
    assert len(calls) == 1


def test_a_new_install_builds_its_index_without_a_warning(whoosh_app, make, caplog) -> None:
    make.request("KEN", title="Incident response team training")
    with caplog.at_level("INFO"):
        assert search_service().reindex(if_needed=True) == 1
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
    assert any("Search index built" in r.getMessage() for r in caplog.records)


def test_an_index_damaged_while_serving_answers_503_and_is_rebuilt(whoosh_app, client, make):
    """Its files became unreadable after the process found it current: searches answer 503
    with the message (not 500), the rebuild is queued, and search comes back."""
    import gc
    import warnings

    make.request("KEN", title="Incident response team training")
    search_service().reindex()
    assert client.get("/search.json?q=incident").status_code == 200
    search_service().backend.close()  # the next search opens the files again
    for toc in (Path(whoosh_app.config["SEARCH_DIR"]) / "current").glob("*.toc"):
        toc.write_bytes(b"not an index")
    _background(whoosh_app)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # whoosh leaves the bad file open
        assert search_service().backend.needs_rebuild()  # reindex --if-needed sees it too
        page = client.get("/search?q=training")  # not a cached answer
        assert get_queue().wait(30)
        gc.collect()
    assert page.status_code == 503 and "being rebuilt" in page.get_data(as_text=True)
    search_service()._looked_at = -1e9  # past the recheck interval
    found = client.get("/search.json?q=training")
    assert found.status_code == 200 and found.get_json()["total"] == 1
