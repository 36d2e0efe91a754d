"""Status labels agree with the record they describe, in every language.

A status is an adjective or a participle: French "demande soumise" but "programme soumis",
Spanish "solicitud presentada" but "programa presentado", Russian "запрос отправлен" but
"программа отправлена". One English msgid shared by every kind of record ("Submitted") could
only be translated for one of them, so each kind's statuses (``kb.codes.CodeList``) and history
actions (``kb.codes.HISTORY_ACTIONS``) are translated under their own message context.
"""

from __future__ import annotations

import pytest
from flask_babel import refresh

from kb import codes
from kb.i18n_catalogues import po_path, read_catalogue
from kb.i18n_pseudo import InContext, source_messages
from kb.uow import unit_of_work

#: The languages translated from English (English is the source: its catalogue is filled).
TRANSLATED = ["ar", "es", "fr", "ru", "zh"]


def code_lists() -> dict[str, codes.CodeList]:
    """Every table of ``kb.codes`` translated under a context, by name."""
    found = {name: v for name, v in vars(codes).items() if isinstance(v, codes.CodeList)}
    found.update({f"HISTORY_ACTIONS[{k}]": v for k, v in codes.HISTORY_ACTIONS.items()})
    return found


def test_every_status_table_has_its_own_context() -> None:
    """No table of statuses is a plain dict (one msgid for all kinds) and no two kinds share a
    context, except the tables of one kind (a programme's statuses as stored and as read,
    an answer's and its tracker's)."""
    plain = [
        name
        for name, value in vars(codes).items()
        if name.endswith("_STATUSES") and not isinstance(value, codes.CodeList)
    ]
    assert not plain, f"status tables without a message context: {plain}"
    one_kind = {
        "programme status": {"PROGRAMME_STATUSES", "PROGRAMME_READ_STATUSES"},
        "answer status": {"ANSWER_STATUSES", "TRACKER_STATUSES"},
    }
    by_context: dict[str, set[str]] = {}
    for name, table in code_lists().items():
        by_context.setdefault(table.context, set()).add(name)
    for context, names in by_context.items():
        assert len(names) == 1 or names == one_kind.get(context), (context, names)
    assert set(codes.STATUSES_BY_KIND) >= {"request", "programme", "initiative", "match"}
    # the search's status facet holds the statuses of requests, programmes and initiatives
    mixed = {*codes.REQUEST_STATUSES, *codes.PROGRAMME_READ_STATUSES, *codes.WORK_STATUSES}
    assert set(codes.MIXED_STATUSES) == mixed


def test_every_label_is_marked_under_its_tables_context() -> None:
    """``C_(context, …)`` inside a table names the table's own context, so ``make i18n``
    extracts the message that ``codes.label`` looks up."""
    extracted = source_messages()
    for name, table in code_lists().items():
        for code, text in table.items():
            assert InContext(table.context, text) in extracted, (name, code, table.context)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_label_of_every_kind_is_translated_under_its_context(lang: str) -> None:
    catalogue = read_catalogue(po_path(lang))
    for name, table in code_lists().items():
        for code, text in table.items():
            message = catalogue.get(text, context=table.context)
            assert message is not None, f"{lang}: {name}.{code} [{table.context}] missing"
            assert message.string, f"{lang}: {name}.{code} [{table.context}] untranslated"
            assert not message.fuzzy, f"{lang}: {name}.{code} [{table.context}] fuzzy"
            assert message.string != text, f"{lang}: {name}.{code} left in English"


#: The agreement the shared msgids lost, per language: (request, programme) for each status.
AGREEMENT = {
    "fr": {"submitted": ("Soumise", "Soumis"), "open": ("Ouverte", "Ouvert"),
           "withdrawn": ("Retirée", "Retiré"), "closed": ("Clôturée", "Clôturé")},
    "es": {"submitted": ("Presentada", "Presentado"), "open": ("Abierta", "Abierto"),
           "withdrawn": ("Retirada", "Retirado"), "closed": ("Cerrada", "Cerrado")},
    "ru": {"submitted": ("Отправлен", "Отправлена"), "open": ("Открыт", "Открыта"),
           "withdrawn": ("Отозван", "Отозвана"), "closed": ("Закрыт", "Закрыта")},
}  # fmt: skip


@pytest.mark.parametrize("lang", sorted(AGREEMENT))
def test_request_and_programme_pages_show_their_own_agreement(
    client, make, auth, lang: str
) -> None:
    """A programme submitted shows "Soumis" in French, a request submitted "Soumise" (it
    showed "Soumise" for both); the same for each status both kinds have, in es and ru."""
    org = make.organisation()
    auth.login(make.user("secretariat").email)
    for status, (as_request, as_programme) in AGREEMENT[lang].items():
        request = make.request(status=status)
        programme = make.programme(org, status=status)
        page = client.get(f"/requests/{request.id}?lang={lang}").get_data(as_text=True)
        assert f'<span class="badge status-{status}">{as_request}</span>' in page, status
        page = client.get(f"/programmes/{programme.id}?lang={lang}").get_data(as_text=True)
        assert f'<span class="badge status-{status}">{as_programme}</span>' in page, status


def test_every_status_badge_of_both_kinds_in_each_language(client, make, auth) -> None:
    """Each status of each kind, on its record's page, in the six languages: the label of its
    own kind's context (and never the English word outside English)."""
    org = make.organisation()
    auth.login(make.user("secretariat").email)
    records = [("requests", make.request(status=s), s) for s in codes.REQUEST_STATUSES] + [
        ("programmes", make.programme(org, status=s), s) for s in codes.PROGRAMME_STATUSES
    ]
    for lang in ["ar", "en", "es", "fr", "ru", "zh"]:
        for plural, record, status in records:
            page = client.get(f"/{plural}/{record.id}?lang={lang}").get_data(as_text=True)
            with client.application.test_request_context(f"/?lang={lang}"):
                refresh()
                table = codes.STATUSES_BY_KIND[record.kind]
                shown = codes.label(table, status)
            assert f'<span class="badge status-{status}">{shown}</span>' in page, (lang, status)
            if lang not in ("en", "zh"):
                assert shown != table[status], (lang, record.kind, status)


def test_the_list_filters_agree_with_their_kind(client) -> None:
    requests = client.get("/requests?lang=fr").get_data(as_text=True)
    programmes = client.get("/programmes?lang=fr").get_data(as_text=True)
    assert '<option value="submitted">Soumise</option>' in requests
    assert '<option value="submitted">Soumis</option>' in programmes


def test_the_history_agrees_with_the_record(client, make, auth) -> None:
    """ "Soumis par …" on a programme's history, "Soumise par …" on a request's; a status
    change in the history reads as its own kind's status."""
    from kb.history import record_revision

    org = make.organisation()
    request = make.request(status="submitted")
    programme = make.programme(org, status="submitted")
    with unit_of_work():
        for record in (request, programme):
            record_revision(record, None, "submit", {"status": ["draft", "submitted"]})
    auth.login(make.user("secretariat").email)
    page = client.get(f"/requests/{request.id}?lang=fr").get_data(as_text=True)
    assert "Soumise par le système" in page
    assert "<del>Brouillon</del> → <ins>Soumise</ins>" in page
    page = client.get(f"/programmes/{programme.id}?lang=fr").get_data(as_text=True)
    assert "Soumis par le système" in page
    assert "<del>Brouillon</del> → <ins>Soumis</ins>" in page
    page = client.get(f"/programmes/{programme.id}?lang=ru").get_data(as_text=True)
    assert "Отправлена: система" in page


def test_the_api_code_lists_agree_with_their_kind(client) -> None:
    headers = {"Accept-Language": "fr"}
    requests = client.get("/api/v1/codes/request_statuses", headers=headers).get_json()
    programmes = client.get("/api/v1/codes/programme_statuses", headers=headers).get_json()
    assert {"code": "submitted", "label": "Soumise"} in requests
    assert {"code": "submitted", "label": "Soumis"} in programmes


def test_status_messages_name_the_status_of_its_own_kind(client, make, auth) -> None:
    """A status named in a message ("Status is now: …", "… the status … cannot be changed
    this way.") agrees with its record."""
    org = make.organisation()
    provider = make.user("provider", organisation=org)
    draft = make.programme(org, status="draft")
    submitted = make.programme(org, status="submitted")
    auth.login(provider.email)
    page = client.post(
        f"/programmes/{draft.id}/status/submit?lang=fr", follow_redirects=True
    ).get_data(as_text=True)
    assert "Le statut est maintenant : Soumis." in page
    page = client.post(
        f"/programmes/{submitted.id}/status/submit?lang=fr", follow_redirects=True
    ).get_data(as_text=True)
    assert "Une fiche dont le statut est Soumis ne peut pas être modifiée ainsi." in page


def test_records_of_several_kinds_are_labelled_as_a_group(app) -> None:
    """The search's status facet covers requests, programmes and initiatives at once."""
    with app.test_request_context("/?lang=fr"):
        refresh()
        assert codes.label(codes.MIXED_STATUSES, "submitted") == "Soumis"
        assert codes.label(codes.MIXED_STATUSES, "fulfilled") == "Satisfaites"  # requests only
    with app.test_request_context("/?lang=ru"):
        refresh()
        assert codes.label(codes.MIXED_STATUSES, "submitted") == "Отправленные"


def test_the_draft_saved_message_agrees_with_the_record(client, auth, make) -> None:
    make.country("SEN")
    focal = make.user("focal_point", country="SEN")
    auth.login(focal.email)
    form = {
        "title": "Formation des enquêteurs",
        "description": "Former les enquêteurs de la police à la preuve électronique.",
        "country_code": "SEN",
        "languages": ["fr"],
        "text_language": "fr",
        "urgency": "medium",
        "target_audience": "",
        "timeframe": "",
    }
    saved = client.post("/requests/new?lang=fr", data=form, follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert "Enregistrée comme brouillon. Soumettez-la" in page  # la demande
    provider = make.user("provider")
    auth.login(provider.email)
    programme = {
        "organisation_id": provider.organisation_id,
        "title": form["title"],
        "description": form["description"],
        "text_language": "fr",
        "themes": ["cybercrime"],
        "support_types": ["training"],
        "languages": ["fr"],
        "delivery_mode": "online",
        "cost_model": "free",
        "visibility": "public",
    }
    saved = client.post("/programmes/new?lang=fr", data=programme, follow_redirects=True)
    assert "Enregistré comme brouillon. Soumettez-le" in saved.get_data(as_text=True)
