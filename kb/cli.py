"""``flask kb …`` commands for operators."""

from __future__ import annotations

import json
from datetime import date

import click
from flask import Flask

from kb.errors import DomainError
from kb.ops.startup import require_current_schema
from kb.uow import unit_of_work

kb_cli = click.Group(
    "kb", help="Capacity Exchange catalogue commands.", callback=require_current_schema
)


@kb_cli.command("seed")
@click.option("--demo-users/--no-demo-users", default=True, help="Also create demo accounts.")
def seed(demo_users: bool) -> None:
    """Load seed_data/ (idempotent: existing records are left alone)."""
    from kb.seed import seed_all

    with unit_of_work():
        added = seed_all(demo_users=demo_users, progress=lambda m: click.echo(f"  {m}"))
    total = sum(added.values())
    click.echo(f"Seed loaded: {total} rows added." if total else "Seed already loaded.")


@kb_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option()
def create_admin(email: str, name: str, password: str) -> None:
    """Create an active Secretariat account."""
    from kb.accounts.operations import create_admin as create

    try:
        with unit_of_work():
            user = create(name, email, password)
    except DomainError as err:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in err.fields.items())
        raise click.ClickException(f"{err.message} {details}".strip()) from err
    click.echo(f"Secretariat account created: {user.email}")


@kb_cli.command("stats")
def stats() -> None:
    """Print catalogue counts as one JSON object."""
    from kb.stats import catalogue_stats

    click.echo(json.dumps(catalogue_stats(), sort_keys=True))


@kb_cli.command("close-expired")
def close_expired() -> None:
    """Close open programmes whose end date has passed (with a revision each)."""
    from kb.catalogue.operations import close_expired as close

    with unit_of_work():
        closed = close(date.today())
    click.echo(f"{len(closed)} programme(s) closed.")


@kb_cli.command("check-languages")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(["request", "programme", "initiative"]),
    help="Only these kinds (repeatable; default: all three).",
)
@click.option("--fix", is_flag=True, help="Store the detected language (a revision each).")
def check_languages(kinds: tuple[str, ...], fix: bool) -> None:
    """List records whose text is written in another language than the one stored (saved
    before the language was detected: the form's default was English); --fix stores it."""
    from kb.text_language import correct_language, language_mismatches

    def progress(kind: str, done: int, total: int) -> None:
        click.echo(f"  {kind}s read: {done} of {total}", err=True)

    with unit_of_work():
        found = language_mismatches(kinds or ("request", "programme", "initiative"), progress)
        for record, written in found:
            click.echo(
                f"{record.kind} {record.id}: stored {record.text_language}, written in "
                f"{written}: {record.title[:70]}"
            )
            if fix:
                correct_language(record, written)
    if not found:
        click.echo("Every record's language agrees with its text.")
    elif fix:
        click.echo(f"{len(found)} record(s) corrected; their matches and index follow.")
    else:
        click.echo(f"{len(found)} record(s) to check; run again with --fix to store them.")


def init_app(app: Flask) -> None:
    from kb.alerts.cli import COMMANDS as ALERT_COMMANDS
    from kb.jobs.cli import COMMANDS as JOB_COMMANDS
    from kb.matching.cli import match_cli
    from kb.searching.cli import search_cli
    from kb.transfer.cli import COMMANDS

    for command in (*COMMANDS, *JOB_COMMANDS, *ALERT_COMMANDS):
        kb_cli.add_command(command)
    app.cli.add_command(kb_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(match_cli)
