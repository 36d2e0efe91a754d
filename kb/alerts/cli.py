"""``flask kb send-digests`` and ``flask kb alerts-catch-up``: alerts from a shell."""

from __future__ import annotations

import click


@click.command("send-digests")
@click.option(
    "--frequency",
    type=click.Choice(["daily", "weekly", "all"]),
    default="all",
    show_default=True,
    help="Which digests to send now.",
)
def send_digests(frequency: str) -> None:
    """Send the saved-search digests that are due (the scheduler does this at 06:00 UTC)."""
    from kb.alerts.operations import send_digests as send
    from kb.uow import unit_of_work

    for which in ("daily", "weekly") if frequency == "all" else (frequency,):
        with unit_of_work(index=False):
            counts = send(which)
        click.echo(
            f"{which}: {counts['emails']} digest e-mail(s) queued, "
            f"{counts['records']} record(s) in them."
        )


@click.command("alerts-catch-up")
@click.option("--hours", type=click.IntRange(1, 24 * 90), default=26, show_default=True)
def catch_up(hours: int) -> None:
    """Alert saved searches of the records published in the last HOURS (after a bulk load)."""
    from datetime import timedelta

    from kb.alerts.operations import evaluate
    from kb.models.types import utcnow
    from kb.uow import unit_of_work

    with unit_of_work(index=False):
        counts = evaluate(since=utcnow() - timedelta(hours=hours))
    click.echo(f"{counts['hits']} new match(es), {counts['emails']} e-mail(s) queued.")


COMMANDS = (send_digests, catch_up)
