"""Fixtures for the search library tests: a small multilingual corpus and backends."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from search import SearchQuery, get_backend
from search.interface.backend import SearchBackend

PUBLIC = frozenset({"public"})


def doc(doc_id: str, title: str, description: str = "", **extra: Any) -> dict[str, Any]:
    kind = doc_id.split(":")[0]
    base: dict[str, Any] = {
        "id": doc_id,
        "kind": kind,
        "title": title,
        "description": description,
        "text_language": "en",
        "themes": [],
        "support_types": [],
        "languages": ["en"],
        "regions": ["global"],
        "countries": [],
        "country_names": [],
        "organisation_name": None,
        "organisation_type": None,
        "status": "open",
        "visibility": "public",
        "access": ["public"],
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z",
    }
    base.update(extra)
    return base


CORPUS: list[dict[str, Any]] = [
    doc(
        "request:1",
        "Besoin d'une équipe de réponse aux incidents",
        "La Côte d'Ivoire souhaite renforcer sa cybercriminalité unité et former ses analystes.",
        text_language="fr",
        themes=["incident_response", "cybercrime"],
        support_types=["training"],
        languages=["fr"],
        regions=["Africa"],
        countries=["CIV"],
        country_names=["Côte d'Ivoire"],
        organisation_type="member_state",
        created_at="2025-03-01T00:00:00Z",
        updated_at="2025-06-01T00:00:00Z",
    ),
    doc(
        "programme:2",
        "CSIRT maturity programme",
        "Mentoring for national teams, with tabletop exercises for analysts.",
        themes=["incident_response"],
        support_types=["expert_exchange", "exercise"],
        organisation_name="Global Forum on Cyber Expertise",
        organisation_type="international_organisation",
        created_at="2025-02-01T00:00:00Z",
        updated_at="2025-02-02T00:00:00Z",
    ),
    doc(
        "request:3",
        "Apoyo contra el ciberdelito",
        "Kenya necesita capacitación en investigación de delitos y criminalística digital.",
        text_language="es",
        themes=["cybercrime"],
        support_types=["training"],
        languages=["es"],
        regions=["Latin America and the Caribbean"],
        countries=["KEN"],
        country_names=["Kenya"],
        organisation_type="member_state",
        created_at="2025-04-01T00:00:00Z",
        updated_at="2025-04-02T00:00:00Z",
    ),
    doc(
        "programme:4",
        "Protecting critical infrastructure operators",
        "Workshops on resilience of energy grids and water utilities.",
        themes=["critical_infrastructure"],
        support_types=["training"],
        regions=["Asia-Pacific"],
        countries=["FJI"],
        country_names=["Fiji"],
        organisation_type="regional_organisation",
        created_at="2024-12-01T00:00:00Z",
        updated_at="2025-07-01T00:00:00Z",
    ),
    doc(
        "request:5",
        "Cyber crime legislation review",
        "We want help to draft laws; our prosecutors also need forensics skills.",
        themes=["cybercrime"],
        support_types=["policy_advice"],
        regions=["Africa"],
        countries=["KEN"],
        country_names=["Kenya"],
        organisation_type="member_state",
        created_at="2025-05-01T00:00:00Z",
        updated_at="2025-05-02T00:00:00Z",
    ),
    doc(
        "request:6",
        "Secret zanzibarian defence plan",
        "Weaknesses of the zanzibarian grid, CII and incident response gaps.",
        themes=["critical_infrastructure"],
        regions=["Africa"],
        countries=["TZA"],
        country_names=["Tanzania"],
        status="submitted",
        visibility="secretariat",
        access=["secretariat", "owner:country:TZA"],
        created_at="2025-08-01T00:00:00Z",
        updated_at="2025-08-01T00:00:00Z",
    ),
]


#: PostgreSQL for the ``postgres`` backend: the URL the suite's PostgreSQL pass uses.
POSTGRES_URL = os.environ.get("KB_TEST_DATABASE_URL", "")
if not POSTGRES_URL.startswith("postgresql"):
    POSTGRES_URL = ""
BACKENDS = ["memory", "whoosh", "whoosh-disk", *(["postgres"] if POSTGRES_URL else [])]


def postgres_table() -> str:
    """A table name of its own per test, so parallel runs never collide."""
    return f"search_t_{uuid.uuid4().hex[:12]}"


def make_backend(name: str, tmp_path: Any) -> SearchBackend:
    if name == "whoosh":
        return get_backend("whoosh")  # RamStorage
    if name == "whoosh-disk":
        return get_backend("whoosh", path=tmp_path / "index", procs=1)
    if name == "postgres":
        return get_backend("postgres", url=POSTGRES_URL, table=postgres_table())
    return get_backend(name)


def dispose(b: SearchBackend) -> None:
    """Close ``b``, dropping a postgres backend's tables."""
    drop = getattr(b, "drop", None)
    if drop is not None:
        drop()
    b.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[SearchBackend]:
    b = make_backend(request.param, tmp_path)
    try:
        b.rebuild(CORPUS)
        yield b
    finally:
        dispose(b)


@pytest.fixture
def search(backend: SearchBackend) -> Any:
    def run(text: str = "", tokens: frozenset[str] = PUBLIC, **kw: Any) -> Any:
        return backend.search(SearchQuery(text=text, viewer_tokens=tokens, **kw))

    return run
