"""``flask kb import | export-all | import-all | backup | restore``.

The command line speaks English (operators' tooling, like the log); what an import writes for
people to read on the pages — the history comment of each record — is worded in the language
of the Secretariat member named by ``--as`` (English without it), as a web import's is in the
language of its uploader.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import gettext as _
from sqlalchemy import func, select

from kb.errors import DomainError
from kb.extensions import db
from kb.models import User
from kb.notifications.operations import in_language_of
from kb.transfer.formats import KINDS
from kb.transfer.importer import ImportReport
from kb.uow import unit_of_work


def _fail(err: DomainError) -> click.ClickException:
    details = "; ".join(f"{k}: {' '.join(v)}" for k, v in err.fields.items())
    return click.ClickException(f"{err.message} {details}".strip())


@click.command("import")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--kind",
    type=click.Choice([*KINDS, "iati"]),
    help="What the files hold (else from columns); iati: an IATI activity file (XML).",
)
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
@click.option(
    "--as",
    "as_email",
    metavar="EMAIL",
    help="The active Secretariat account to name in the records' history.",
)
def import_command(
    paths: tuple[Path, ...], kind: str | None, dry_run: bool, as_email: str | None
) -> None:
    """Import requests, programmes, organisations or initiatives from CSV, XLSX or JSON files
    (or IATI activity files: --kind iati). Each file is all or nothing and committed in turn;
    the index and match updates run once, after the last file, for what all of them changed."""
    from kb.transfer.importer import catch_up

    actor = _secretariat_account(as_email) if as_email is not None else None
    if kind == "iati":
        for path in paths:
            _import_iati(path, actor, dry_run)
        return
    changed: set[tuple[str, int]] = set()
    states: set[str] = set()
    try:
        for path in paths:
            report = _import_file(path, kind, actor, dry_run, len(paths) > 1)
            if report.written:
                changed |= {(k, i) for k, i in report.changed}
                states |= set(report.states)
            if not report.ok:
                raise SystemExit(1)
    finally:
        if changed:  # the files committed before a failed one are brought up to date too
            click.echo("Updating the search index and match suggestions…")
            catch_up(changed, states)


def _import_file(
    path: Path, kind: str | None, actor: User | None, dry_run: bool, several: bool
) -> ImportReport:
    """One file: checked, then written in one unit of work (or, dry run, only checked)."""
    from kb.transfer.importer import run_import
    from kb.transfer.reading import read_file

    try:
        kind, rows = read_file(path.read_bytes(), kind)
    except DomainError as err:
        raise _fail(err) from err
    with in_language_of(actor):  # shown in the records' history: the --as member's language
        comment = _("Imported from the command line (%(file)s)", file=path.name)
    with click.progressbar(length=2 * len(rows), label=f"Checking {kind}") as bar:
        steps = {"checking": 0, "writing": len(rows)}

        def progress(step: str, done: int, total: int) -> None:
            # a dry run writes in a transaction it rolls back (the database's own checks)
            kept = " (dry run: rolled back)" if dry_run and step == "writing" else ""
            bar.label = f"{step.capitalize()} {kind}{kept}"
            bar.update(steps[step] + done - bar.pos)

        report = run_import(
            rows,
            kind,
            actor,
            dry_run=dry_run,
            progress=progress,
            comment=comment,
            follow_up=False,
        )
    for title, issues in (("Errors", report.errors), ("Probable duplicates", report.duplicates)):
        if issues:
            click.echo(f"{title}:")
            for issue in issues:
                click.echo(f"  {issue}")
    if report.duplicates:
        click.echo(report.duplicate_headline)
    if report.proposed and report.ok:
        verb = "would be created" if dry_run else "created"
        click.echo(f"Organisations not found, {verb} for the Secretariat to check:")
        for name in report.proposed:
            click.echo(f"  {name}")
    click.echo(f"{path.name}: {report.summary()}" if several else report.summary())
    return report


def _import_iati(path: Path, actor: User | None, dry_run: bool) -> None:
    """IATI activities into initiatives: all or nothing; the dry run lists what is kept and why."""
    from kb.initiatives.operations import changed_initiatives, import_iati, refresh_derived
    from kb.uploads.safety import check_size

    data = path.read_bytes()
    try:
        check_size(data)
        with unit_of_work():  # then the index, and the matches of the states it touched
            with in_language_of(actor):  # its history comments, as for a file import
                report = import_iati(data, actor, dry_run=dry_run)
            for identifier, title, why in report.kept:
                click.echo(f"  kept     {identifier}: {title[:70]} ({why})")
            for identifier, title in report.skipped:
                click.echo(f"  skipped  {identifier}: {title[:70]} (not about ICT security)")
            if report.unknown_countries:
                click.echo(
                    f"Unknown recipient countries: {', '.join(sorted(report.unknown_countries))}"
                )
            if dry_run:
                click.echo(report.summary())
                raise _DryRunDone
            found = refresh_derived(changed_initiatives())
    except _DryRunDone:
        click.echo("Dry run: nothing written.")
        return
    except DomainError as err:
        raise _fail(err) from err
    click.echo(report.summary())
    click.echo(f"Possible overlaps listed: {found}.")


class _DryRunDone(Exception):
    """Leaves the unit of work of a dry run by rolling it back."""


def _secretariat_account(email: str) -> User:
    """The account ``--as`` names: it must exist, be active and belong to the Secretariat."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"--as: no account has the email {email}.")
    if not user.is_active:
        raise click.ClickException(f"--as: the account {user.email} is not active ({user.status}).")
    if user.role != "secretariat":
        raise click.ClickException(
            f"--as: the account {user.email} is not a Secretariat account "
            f"(role: {user.role or 'none'})."
        )
    return user


@click.command("export-all")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def export_all(path: Path) -> None:
    """Write the whole catalogue, with its history, as one JSON document."""
    from kb.transfer.dump import catalogue_document, to_bytes

    document = catalogue_document()
    path.write_bytes(to_bytes(document))
    counts = ", ".join(f"{len(rows)} {name}" for name, rows in document["tables"].items())
    click.echo(f"Exported {counts} to {path}.")


@click.command("import-all")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_all(path: Path) -> None:
    """Load an export-all document into an instance with an empty catalogue."""
    from kb.transfer.dump import CATALOGUE, load_catalogue, read_document

    try:
        document = read_document(path.read_bytes(), CATALOGUE)
        with unit_of_work(index=False):
            counts = load_catalogue(document)
    except DomainError as err:
        raise _fail(err) from err
    _rebuild_derived(matches=True)
    click.echo("Imported " + ", ".join(f"{n} {name}" for name, n in counts.items()) + ".")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path: Path) -> None:
    """Dump every table (accounts included; not the search queue) to a JSON file."""
    from kb.transfer.dump import backup_document, to_bytes

    document = backup_document()
    path.write_bytes(to_bytes(document))
    path.chmod(0o600)  # it holds password hashes
    total = sum(len(rows) for rows in document["tables"].values())
    click.echo(f"Backed up {total} rows of {len(document['tables'])} tables to {path}.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the content of a non-empty database.")
def restore(path: Path, force: bool) -> None:
    """Load a backup into an empty database (after `flask db upgrade`), then reindex search."""
    from kb.transfer.dump import BACKUP, read_document
    from kb.transfer.dump import restore as load

    try:
        document = read_document(path.read_bytes(), BACKUP)
        with unit_of_work(index=False):
            counts = load(document, force=force)
    except DomainError as err:
        raise _fail(err) from err
    _rebuild_derived(matches=False)
    click.echo(f"Restored {sum(counts.values())} rows; search index rebuilt.")


def _rebuild_derived(matches: bool) -> None:
    from kb.matching.service import match_service
    from kb.searching.service import search_service

    search_service().reindex()
    if matches:
        match_service().refresh()
        db.session.commit()


COMMANDS = (import_command, export_all, import_all, backup, restore)
