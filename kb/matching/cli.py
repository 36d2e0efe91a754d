"""``flask match refresh``: recompute stored suggestions for every open request."""

from __future__ import annotations

import click

from kb.extensions import db
from kb.ops.startup import require_current_schema

match_cli = click.Group("match", help="Matching commands.", callback=require_current_schema)


@match_cli.command("refresh")
@click.option("--if-empty", is_flag=True, help="Only when no suggestions are stored yet.")
def refresh(if_empty: bool) -> None:
    """Recompute stored matches in both directions, the supply-and-demand counts, the
    landscape report's counts and the directory's counts."""
    from sqlalchemy import func, select

    from kb.matching.queries import OVERVIEW_STAMP
    from kb.matching.service import match_service
    from kb.models import MatchSuggestion
    from kb.reports import counts
    from kb.stamps import stamped

    stored = db.session.scalar(select(func.count()).select_from(MatchSuggestion))
    complete = counts.computed_at() is not None and stamped(OVERVIEW_STAMP) is not None
    if if_empty and stored and complete:
        click.echo("Match suggestions already computed.")
        return
    service = match_service()
    service.engine(refit=True)  # a full fit first, outside the bar
    with click.progressbar(length=1, label="Matching", show_pos=True) as bar:
        state = {"done": 0}

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - state["done"])
            state["done"] = done

        count = service.refresh(progress=progress, refit=False)
    db.session.commit()
    click.echo(f"Suggestions refreshed for {count} request(s) and the programmes they fit.")
