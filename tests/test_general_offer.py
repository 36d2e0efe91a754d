"""Standing general offers (``Programme.general_offer``): stored, read and written by the API,
the form, imports and exports, given to the matching engine, and shown on record pages."""

from __future__ import annotations

from kb.catalogue import operations
from kb.extensions import db
from kb.matching.documents import programme_dict
from kb.models import Programme, Revision
from kb.uow import unit_of_work
from tests.test_api import assert_problem, bearer
from tests.test_cli_and_config import empty_database, migrations  # noqa: F401  (fixtures)


def _body(org_id: int, **kw):
    return {
        "title": "Cyber capacity clearing house",
        "description": "Finds partners for any need on incident response and cybercrime.",
        "themes": ["incident_response"],
        "support_types": ["technical_assistance"],
        "languages": ["en"],
        "organisation_id": org_id,
        **kw,
    }


def test_new_programmes_are_not_general_offers_unless_said(app, make):
    org = make.organisation()
    with unit_of_work(index=False):
        plain = operations.create_programme(None, _body(org.id), external_key="p-plain")
        general = operations.create_programme(
            None, _body(org.id, general_offer=True), external_key="p-general"
        )
    assert db.session.get(Programme, plain.id).general_offer is False
    assert db.session.get(Programme, general.id).general_offer is True


def test_the_engine_reads_the_flag(app, make):
    plain = make.programme()
    general = make.programme(general_offer=True)
    assert programme_dict(plain)["general_offer"] is False
    assert programme_dict(general)["general_offer"] is True


def test_api_reads_and_writes_general_offer(client, make):
    org = make.organisation()
    provider = make.user("provider", organisation=org)
    headers = bearer(provider)
    created = client.post("/api/v1/programmes", json=_body(org.id), headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["general_offer"] is False
    url = created.headers["Location"]
    etag = {**headers, "If-Match": created.headers["ETag"]}
    changed = client.patch(url, json={"general_offer": True}, headers=etag)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["general_offer"] is True
    assert client.get(url, headers=headers).get_json()["general_offer"] is True
    record_id = created.get_json()["id"]
    edit = db.session.scalars(
        db.select(Revision).where(
            Revision.record_kind == "programme",
            Revision.record_id == record_id,
            Revision.action == "edited",
        )
    ).one()
    assert edit.changes == {"general_offer": [False, True]}


def test_api_refuses_a_value_that_is_not_a_boolean(client, make):
    org = make.organisation()
    provider = make.user("provider", organisation=org)
    headers = bearer(provider)
    for bad in ("maybe", 2, [True], None):
        response = client.post(
            "/api/v1/programmes", json=_body(org.id, general_offer=bad), headers=headers
        )
        body = assert_problem(response, 422, "general_offer")
        assert body["errors"]["general_offer"]
    assert db.session.scalar(db.select(db.func.count(Programme.id))) == 0


def test_changing_the_flag_refreshes_the_matches_like_any_edit(app, make):
    org = make.organisation()
    provider = make.user("provider", organisation=org)
    record = make.programme(organisation=org)
    with unit_of_work(index=False):
        changes = operations.update_record(provider, record, {"general_offer": True}, partial=True)
        refs = set(db.session.info.get("changed_refs", set()))
    assert changes == {"general_offer": [False, True]}
    assert ("programme", record.id) in refs
    from kb.uow import follow_up_jobs

    jobs = dict(follow_up_jobs(refs))
    assert jobs["match.refresh"] == {"refs": [["programme", record.id]]}


def test_migration_0030_existing_programmes_read_false(migrations):  # noqa: F811
    import sqlalchemy as sa
    from alembic import command

    config = migrations
    command.upgrade(config, "0029")
    now = "2026-12-04 12:00:00"
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO organisations (id, name, type, description, created_at, "
                "updated_at) VALUES (1, 'Org', 'civil_society', '', :now, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO programmes (id, organisation_id, eligible_regions, "
                "eligible_countries, interpretation_languages, delivery_mode, cost_model, "
                "title, description, text_language, themes, support_types, languages, "
                "visibility, status, created_at, updated_at, last_confirmed_at) VALUES "
                "(1, 1, '', '', '', 'online', 'free', 'Old programme', 'Listed before "
                "0030 was applied.', 'en', '|cybercrime|', '|training|', '|en|', "
                "'public', 'open', :now, :now, :now)"
            ),
            {"now": now},
        )
    command.upgrade(config, "0030")
    with db.engine.connect() as conn:
        columns = {c["name"]: c for c in sa.inspect(conn).get_columns("programmes")}
        value = conn.execute(sa.text("SELECT general_offer FROM programmes")).scalar_one()
    assert columns["general_offer"]["nullable"] is False
    assert value in (False, 0)
    command.downgrade(config, "0029")
    with db.engine.connect() as conn:
        assert "general_offer" not in {
            c["name"] for c in sa.inspect(conn).get_columns("programmes")
        }
    db.engine.dispose()


def test_seed_files_set_general_offer(app, make, tmp_path):
    import json

    from kb.seed import seed_programmes

    make.organisation(external_key="org-hub")
    row = {
        "organisation": "org-hub",
        "status": "open",
        "title": "A help desk for cyber capacity",
        "description": "Answers any question on incident response from any state.",
        "themes": ["incident_response"],
        "support_types": ["technical_assistance"],
        "languages": ["en"],
    }
    rows = [{**row, "key": "seed-general", "general_offer": True}, {**row, "key": "seed-plain"}]
    (tmp_path / "programmes.json").write_text(json.dumps(rows), encoding="utf-8")
    with unit_of_work(index=False):
        assert seed_programmes(tmp_path) == 2
    flags = dict(
        db.session.execute(db.select(Programme.external_key, Programme.general_offer)).all()
    )
    assert flags == {"seed-general": True, "seed-plain": False}


# --- bulk import and export ------------------------------------------------------------------


def _programme_row(key: str, **kw: object) -> dict[str, object]:
    return {
        "key": key,
        "organisation": "org-hub",
        "title": f"Cyber help desk {key}",
        "description": "Answers any question on incident response from any state.",
        "themes": ["incident_response"],
        "support_types": ["technical_assistance"],
        "languages": ["en"],
        "status": "open",
        **kw,
    }


def _csv(rows: list[dict[str, object]]) -> list[tuple[int, dict]]:
    from kb.transfer.formats import write
    from kb.transfer.reading import read_file

    return read_file(write(rows, "programmes", "csv"), "programmes")[1]


def test_import_reads_the_general_offer_column(make):
    from kb.transfer.importer import run_import

    make.organisation(external_key="org-hub")
    values = {"a": "yes", "b": "No", "c": "TRUE", "d": "false", "e": "1", "f": "0", "g": ""}
    rows = [_programme_row(key, general_offer=value) for key, value in values.items()]
    rows.append(_programme_row("h"))  # left out: not a general offer
    report = run_import(_csv(rows), "programmes")
    assert report.ok, report.errors
    flags = dict(
        db.session.execute(db.select(Programme.external_key, Programme.general_offer)).all()
    )
    assert flags == {
        "a": True, "b": False, "c": True, "d": False, "e": True, "f": False, "g": False, "h": False
    }  # fmt: skip


def test_import_names_the_column_of_a_bad_value(make):
    from kb.transfer.importer import run_import

    make.organisation(external_key="org-hub")
    rows = [_programme_row("ok", general_offer="yes"), _programme_row("bad", general_offer="maybe")]
    report = run_import(_csv(rows), "programmes")
    assert not report.ok
    assert [(i.row, i.field) for i in report.errors] == [(3, "general_offer")]
    assert "true or false" in report.errors[0].message
    assert db.session.scalar(db.select(db.func.count(Programme.id))) == 0


def test_export_writes_yes_or_no_and_imports_back_unchanged(client, make, auth):
    from kb.transfer.formats import to_row, write
    from kb.transfer.importer import run_import
    from kb.transfer.reading import read_file

    org = make.organisation(external_key="org-hub")
    general = make.programme(organisation=org, general_offer=True, external_key="g-1")
    make.programme(organisation=org, external_key="p-1")
    rows = [to_row(p) for p in db.session.scalars(db.select(Programme).order_by(Programme.id))]
    assert [r["general_offer"] for r in rows] == [True, False]
    data = write(rows, "programmes", "csv")
    header, *lines = data.decode("utf-8-sig").splitlines()
    assert header.split(",")[-1] == "general_offer"
    assert [line.split(",")[-1] for line in lines] == ["yes", "no"]
    again = run_import(read_file(data, "programmes")[1], "programmes")
    assert again.ok and (again.updated, again.unchanged) == (0, 2)
    # the page's download names the column in the reader's language
    auth.login(make.user("secretariat").email)
    french = client.get("/programmes/export.csv?lang=fr").get_data().decode("utf-8-sig")
    assert "Offre générale permanente" in french.splitlines()[0]
    assert db.session.get(Programme, general.id).general_offer is True


# --- pages: the form, the programme page, match cards ----------------------------------------


def test_the_form_saves_the_flag_and_history_says_yes_or_no(client, make, auth):
    org = make.organisation()
    provider = make.user("provider", organisation=org)
    auth.login(provider.email)
    form = client.get("/programmes/new").get_data(as_text=True)
    assert 'name="general_offer"' in form and "Standing general offer" in form
    assert "a clearing house that finds partners, a help desk" in form
    data = {
        "organisation_id": org.id,
        "title": "Cyber capacity clearing house",
        "description": "Finds partners for any need on incident response and cybercrime.",
        "text_language": "en",
        "themes": ["incident_response"],
        "support_types": ["technical_assistance"],
        "languages": ["en"],
        "visibility": "public",
        "delivery_mode": "online",
        "cost_model": "free",
        "general_offer": "y",
    }
    created = client.post("/programmes/new", data=data)
    assert created.status_code == 302, created.get_data(as_text=True)
    record = db.session.scalar(db.select(Programme))
    assert record.general_offer is True
    page = client.get(f"/programmes/{record.id}").get_data(as_text=True)
    assert 'class="badge general-offer"' in page and ">General offer<" in page
    edit = client.get(f"/programmes/{record.id}/edit").get_data(as_text=True)
    assert 'checked id="general_offer" name="general_offer" type="checkbox"' in edit
    del data["general_offer"]  # an unticked box is not sent
    assert client.post(f"/programmes/{record.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Programme, record.id).general_offer is False
    page = client.get(f"/programmes/{record.id}").get_data(as_text=True)
    assert 'class="badge general-offer"' not in page
    assert "Standing general offer</span>: <del>Yes</del> → <ins>No</ins>" in page
    french = client.get(f"/programmes/{record.id}?lang=fr").get_data(as_text=True)
    assert "Offre générale permanente</span>: <del>Oui</del> → <ins>Non</ins>" in french


def _refresh() -> None:
    from kb.matching.service import match_service

    with unit_of_work():
        match_service().refresh()


def _unmet_request(make):
    make.country("KEN")
    return make.request(
        "KEN",
        title="Cybercrime prosecution guidelines for our judges",
        description="Our judges need written guidelines on prosecuting cybercrime cases and "
        "on admitting electronic evidence in court.",
        themes=["cybercrime"],
        support_types=["policy_advice"],
    )


def _help_desk(make, **kw):
    values = {
        "title": "Cybercrime help desk",
        "description": "A help desk that answers questions from any state on cybercrime "
        "legislation and cooperation, and points to partners and free curricula.",
        "themes": ["cybercrime"],
        "support_types": ["technical_assistance"],
        "general_offer": True,
        **kw,
    }
    return make.programme(**values)


def test_an_unmet_need_lists_the_general_offers_that_may_help(client, make, auth):
    request = _unmet_request(make)
    desk = _help_desk(make)
    hidden = _help_desk(make, title="Confidential cybercrime hotline", visibility="secretariat")
    _refresh()
    from kb.extensions import db
    from kb.models import MatchSuggestion

    stored = db.session.scalars(
        db.select(MatchSuggestion).where(
            MatchSuggestion.request_id == request.id, MatchSuggestion.side == "request"
        )
    ).all()
    # the engine's decision is stored with the pair (one rule: the page reads it)
    assert {(s.programme_id, s.general) for s in stored if s.programme_id == desk.id} == {
        (desk.id, True)
    }
    body = client.get(f"/requests/{request.id}").get_data(as_text=True)
    _, found, rest = body.partition("No programme fits this need yet")
    assert found, "the need is unmet"
    general, _sep, after = rest.partition("</section>")
    assert "General offers that may help" in general and desk.title in general
    assert 'class="badge general-offer"' in general
    assert "weaker match" not in general and desk.title not in after
    assert hidden.title not in body  # the page's rules of who sees what are unchanged
    api = client.get(f"/api/v1/requests/{request.id}/matches").get_json()
    assert api["need"]["unmet"] is True
    assert [(i["record"]["title"], i["general_offer"]) for i in api["items"]] == [
        (desk.title, True)
    ]
    auth.login(make.user("secretariat").email)
    body = client.get(f"/requests/{request.id}").get_data(as_text=True)
    general = body.partition("General offers that may help")[2].partition("</section>")[0]
    assert desk.title in general and hidden.title in general


def test_a_general_offer_on_a_met_need_is_listed_with_its_badge(client, make):
    request = _unmet_request(make)
    fits = make.programme(
        title="Cybercrime prosecution guidelines for judges",
        description="We draft guidelines for judges on prosecuting cybercrime cases and on "
        "admitting electronic evidence in court, with policy advice to ministries.",
        themes=["cybercrime"],
        support_types=["policy_advice"],
        eligible_countries=["KEN"],
    )
    desk = _help_desk(make)
    _refresh()
    body = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "No programme fits this need yet" not in body
    assert "General offers that may help" not in body
    assert fits.title in body and desk.title in body
    assert body.index(fits.title) < body.index(desk.title)
    card = body[body.index(desk.title) :].partition("</li>")[0]
    assert 'class="badge general-offer"' in card
    first = body[body.index(fits.title) :].partition("</li>")[0]
    assert "general-offer" not in first


# --- Word forms -------------------------------------------------------------------------------


def _word(lang: str, answer: str | None, drop_row: bool = False) -> bytes:
    import io

    import docx

    from kb.wordio.fields import translator
    from kb.wordio.template import build_template

    doc = docx.Document(io.BytesIO(build_template("programme", lang)))
    label = translator(lang)("Standing general offer")
    rows = [r for r in doc.tables[0].rows if r.cells[0].paragraphs[0].text == label]
    assert len(rows) == 1, "the form has the row, labelled in its language"
    if drop_row:
        rows[0]._tr.getparent().remove(rows[0]._tr)
    elif answer is not None:
        rows[0].cells[1].text = answer
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_word_forms_read_yes_or_no_in_their_language(app):
    from kb.wordio.reader import read_docx

    assert read_docx(_word("en", "Yes")).values["general_offer"] is True
    assert read_docx(_word("en", "no")).values["general_offer"] is False
    assert read_docx(_word("fr", "Oui")).values["general_offer"] is True
    assert read_docx(_word("es", "No")).values["general_offer"] is False
    empty = read_docx(_word("en", None))
    assert "general_offer" not in empty.values
    assert not [key for key, _ in empty.problems if key == "general_offer"]
    unclear = read_docx(_word("en", "perhaps"))
    assert "general_offer" not in unclear.values
    assert [str(m) for key, m in unclear.problems if key == "general_offer"] == [
        "Standing general offer: “perhaps” is not one of Yes, No (table 1, row 14)"
    ]
    # a form handed out before the row existed is read without a problem about it
    older = read_docx(_word("en", None, drop_row=True))
    assert not [key for key, _ in older.problems if key == "general_offer"]


def test_a_word_form_ticks_the_box_on_the_review_page(client, make, auth):
    from tests.test_word_pages import upload

    org = make.organisation()
    auth.login(make.user("provider", organisation=org).email)
    html = upload(client, _word("en", "Yes"), kind="programme").get_data(as_text=True)
    assert 'checked id="general_offer" name="general_offer" type="checkbox"' in html
    html = upload(client, _word("en", "No"), kind="programme").get_data(as_text=True)
    assert 'id="general_offer" name="general_offer" type="checkbox"' in html
    assert 'checked id="general_offer"' not in html


def test_request_lists_keep_general_offers_on_the_need_and_set_them_apart_when_unmet(app):
    from types import SimpleNamespace

    from kb.matching.queries import request_lists
    from search.matching import MatchConfig

    config = MatchConfig()

    def programme(general: bool) -> Programme:
        return Programme(general_offer=general)

    def row(score: float, quality: str, general: bool = False) -> SimpleNamespace:
        """A stored pair; ``general``: the engine lifted it (``Match.general``)."""
        return SimpleNamespace(score=score, quality=quality, general=general)

    low = config.list_min_score / 2
    fits = (programme(False), row(0.9, "strong"))
    weak = (programme(False), row(0.2, "weak"))
    desk = (programme(True), row(low, "weak", general=True))
    faint = (programme(False), row(low, "weak"))
    # a general offer the engine did not lift (another theme, or no shared language)
    not_lifted = (programme(True), row(low, "weak"))
    pairs = [fits, weak, desk, faint, not_lifted]

    met = request_lists(pairs, config, unmet=False)
    assert (met.shown, met.weaker, met.general) == ([fits], [weak, desk], [])
    unmet = request_lists(pairs, config, unmet=True)
    assert (unmet.shown, unmet.weaker, unmet.general) == ([fits], [weak], [desk])
