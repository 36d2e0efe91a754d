"""``flask search …``: rebuild, check and repair the search index."""

from __future__ import annotations

import json

import click

from kb.ops.startup import require_current_schema

search_cli = click.Group("search", help="Search index commands.", callback=require_current_schema)


@search_cli.command("reindex")
@click.option("--if-needed", is_flag=True, help="Only when the index is missing or outdated.")
def reindex(if_needed: bool) -> None:
    """Rebuild the index from the database (with a progress bar)."""
    from kb.searching.documents import all_refs
    from kb.searching.service import search_service

    service = search_service()
    if if_needed and not service.backend.needs_rebuild():
        pending = service.drain()
        click.echo(
            f"Search index is current ({service.backend.count()} documents"
            f"{f', {pending} queued changes applied' if pending else ''})."
        )
        return
    total = len(all_refs())
    with click.progressbar(length=total, label="Indexing", show_pos=True) as bar:
        last = [0]

        def progress(done: int) -> None:
            bar.update(done - last[0])
            last[0] = done

        count = service.reindex(progress=progress)
    click.echo(f"Indexed {count} documents.")


@search_cli.command("check")
@click.option("--repair", is_flag=True, help="Add missing documents and remove orphans.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def check(repair: bool, as_json: bool) -> None:
    """Compare record ids in the database and in the index."""
    from kb.searching.service import search_service

    try:
        report = search_service().check(repair=repair)
    except Exception as err:  # damaged files, an index table that cannot be queried
        raise click.ClickException(
            f"the search index cannot be read ({type(err).__name__}: {err}). "
            "Build a new one with `flask search reindex`."
        ) from None
    if as_json:
        click.echo(json.dumps(report.as_dict(), sort_keys=True))
    else:
        click.echo(
            f"database: {report.database}  index: {report.index}  queued: {report.queued}\n"
            f"missing from index: {len(report.missing)} {report.missing[:20]}\n"
            f"orphans in index: {len(report.orphans)} {report.orphans[:20]}"
        )
        if repair and not report.ok:
            click.echo("Repaired.")
    if not report.ok and not repair:
        raise SystemExit(1)


@search_cli.command("drain")
def drain() -> None:
    """Apply queued changes to the index (normally done after each commit)."""
    from kb.searching.service import search_service

    click.echo(f"{search_service().drain()} record(s) reindexed.")
