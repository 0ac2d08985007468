"""The geo-registry command line: database, imports, examples, the production server and the background worker."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from geo_registry.core.errors import GeoRegistryError
from geo_registry.core.text import N_
from geo_registry.domain import roles
from geo_registry.domain.groups import import_groups
from geo_registry.domain.second_factor import reset_second_factor
from geo_registry.domain.staff import UnknownStaff, create_staff, find_staff, list_staff, set_active, set_password
from geo_registry.spatial.buurten import import_buurten
from geo_registry.spatial.buurten_cache import load_buurten_cached
from geo_registry.store.db import upgrade
from geo_registry.web import services as app_services
from geo_registry.web import settings
from geo_registry.web.current import current_app_object
from geo_registry.worker.jobs import JOBS
from geo_registry.worker.runner import Worker, log_to_stderr

CLI_ACTOR = N_("opdrachtregel")  # who changed a staff account, in the audit log


def _engine():
    return current_app.extensions["geo_registry.engine"]


def _fail(error: Exception | str) -> NoReturn:
    click.echo(f"Fout: {error}", err=True)
    sys.exit(1)


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create the database, or upgrade it to the newest schema."""
    upgrade(_engine())  # a no-op, as the app upgraded the database as it started: report that
    click.echo(current_app.extensions["geo_registry.schema"].report())


@click.command("import-wijken")
@with_appcontext
@click.argument("source", type=click.Path(dir_okay=False))
@click.option(
    "--gemeentecode",
    "codes",
    multiple=True,
    help="Bijvoorbeeld GM0376; herhaal voor meer gemeenten. Standaard de ingestelde gemeenten.",
)
@click.option("--alle", is_flag=True, help="Alle gemeenten in het bestand.")
@click.option("--layer", default=None, help="Laag in een GeoPackage (standaard 'buurten').")
@click.option("--out", "target", default=None, help="Doelbestand; standaard het ingestelde wijkenbestand.")
def import_buurten_command(source, codes, alle, layer, target):
    """Import municipalities' buurten from a CBS file (GeoJSON or WijkBuurtkaart GeoPackage) into the wijken
    file, keeping the other municipalities there; a running register shows them within a second."""
    codes = None if alle else (list(codes) or app_services.served().codes)
    target = target or settings.current().WIJKEN_FILE
    try:
        count = import_buurten(source, codes, target, layer=layer)
    except (GeoRegistryError, ValueError) as error:
        _fail(error)
    current_app.extensions["geo_registry"] = None  # rebuild with the new shapes on next use
    # The fast copy the server processes read as they start: made now, not by the first of them to start.
    load_buurten_cached(target, settings.current().BUURTEN_CACHE)
    if Path(target).resolve() == settings.current().WIJKEN_FILE.resolve():  # and the outlines the app reads
        app_services.keep_outlines(settings.current(), app_services.served())
    which = "alle gemeenten in het bestand" if codes is None else ", ".join(codes)
    click.echo(f"{count} buurten van {which} geschreven naar {target}")


def _report_groups(path, example: bool) -> None:
    snapshot = app_services.current().registry.snapshot()
    try:
        report = import_groups(app_services.current().store, path, snapshot.gemeente, example=example)
    except ValueError as error:
        _fail(error)
    for line in report.lines():
        click.echo(line)
    click.echo(f"{len(report.added)} toegevoegd, {len(report.refused)} geweigerd")


@click.command("import-groups")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False))
def import_groups_command(path):
    """Import groups from a GeoJSON FeatureCollection (name, beheerder_name, beheerder_email)."""
    _report_groups(path, example=False)


@click.command("load-examples")
@with_appcontext
def load_examples_command():
    """Load the fictional example groups, marked as examples everywhere they show."""
    _report_groups(settings.current().EXAMPLES_FILE, example=True)


@click.command("import-addresses")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False))
def import_addresses_command(path):
    """Replace the local address table with a BAG extract (CSV or GeoPackage)."""
    try:
        # Here, not at the top: it imports geopandas and pandas, which every other command (serve, worker) skips.
        from geo_registry.lookup.address_import import import_addresses

        report = import_addresses(_engine(), path)
    except GeoRegistryError as error:
        _fail(error)
    app_services.current().registry.invalidate()
    for line in report.refused[:20]:
        click.echo(f"geweigerd: {line}")
    click.echo(f"{report.imported} adressen geïmporteerd, {len(report.refused)} regels geweigerd")


@click.command("create-staff")
@with_appcontext
@click.argument("username")
@click.password_option(
    "--password",
    prompt="Wachtwoord",
    confirmation_prompt="Herhaal het wachtwoord",
    help="Wordt gevraagd als u het weglaat (aanbevolen: dan komt het niet in uw shellgeschiedenis).",
)
@click.option("--role", "role_names", multiple=True, help=f"Een van {', '.join(roles.ROLES)}; herhaalbaar.")
@click.option("--gemeente", "codes", multiple=True, help="Bijvoorbeeld GM0376; herhaalbaar. Standaard: alle.")
@click.option("--email", default=None, help="Waar de medewerker bericht krijgt van herhaald mislukte aanmeldingen.")
def create_staff_command(username, password, role_names, codes, email):
    """Create a staff account for /beheer; the password is asked for and stored hashed. Without --role it gets
    beleidsmedewerker and functioneel-beheerder (the first administrator); without --gemeente every municipality.
    At its first login the account enrols a second factor (an authenticator app)."""
    try:
        create_staff(
            _engine(),
            username,
            password,
            role_names or roles.DEFAULT_ROLES,
            codes,
            app_services.served().codes,
            min_length=settings.current().PASSWORD_MIN_LENGTH,
            email=email,
        )
    except ValueError as error:
        _fail(error)
    chosen = roles.Access(roles.check_roles(role_names or roles.DEFAULT_ROLES), roles.check_gemeenten(codes))
    click.echo(f"Medewerker '{username}' aangemaakt ({roles.describe(chosen)}).")


@click.command("set-roles")
@with_appcontext
@click.argument("username")
@click.option("--role", "role_names", multiple=True, required=True, help=f"Een van {', '.join(roles.ROLES)}.")
@click.option("--gemeente", "codes", multiple=True, help="Bijvoorbeeld GM0376; herhaalbaar. Weglaten: alle.")
def set_roles_command(username, role_names, codes):
    """Give a staff account these roles and municipalities, in place of what it had (audited)."""
    account = _change_staff(lambda: find_staff(_engine(), username), username)
    served = app_services.served().codes
    access = _change_staff(lambda: roles.set_roles(_engine(), account["id"], role_names, codes, CLI_ACTOR, served), "")
    click.echo(f"Medewerker '{account['username']}': {roles.describe(access)}.")


def _change_staff(change, username: str) -> str:
    try:
        return change()
    except UnknownStaff:
        _fail(f"Geen medewerker '{username}'. Bekijk de namen met: geo-registry list-staff")
    except ValueError as error:
        _fail(error)


@click.command("disable-staff")
@with_appcontext
@click.argument("username")
def disable_staff_command(username):
    """Disable a staff account: it can no longer log in, and its open sessions end at once."""
    name = _change_staff(lambda: set_active(_engine(), username, False, CLI_ACTOR), username)
    click.echo(f"Medewerker '{name}' uitgeschakeld; open sessies zijn beëindigd.")


@click.command("enable-staff")
@with_appcontext
@click.argument("username")
def enable_staff_command(username):
    """Enable a disabled staff account again (sessions from before stay ended)."""
    name = _change_staff(lambda: set_active(_engine(), username, True, CLI_ACTOR), username)
    click.echo(f"Medewerker '{name}' ingeschakeld.")


@click.command("set-password")
@with_appcontext
@click.argument("username")
@click.option(
    "--password",
    default=None,
    help="Wordt gevraagd als u het weglaat (aanbevolen: dan komt het niet in uw shellgeschiedenis).",
)
def set_password_command(username, password):
    """Give a staff account a new password (asked twice, 12+ characters); its open sessions end."""
    _change_staff(lambda: find_staff(_engine(), username), username)
    if password is None:  # asked only now, so that a mistyped name is told before the password is typed
        password = click.prompt("Nieuw wachtwoord", hide_input=True, confirmation_prompt="Herhaal het wachtwoord")
    minimum = settings.current().PASSWORD_MIN_LENGTH
    account = _change_staff(
        lambda: set_password(_engine(), username, password, CLI_ACTOR, min_length=minimum), username
    )
    click.echo(f"Wachtwoord van '{account['username']}' gewijzigd; open sessies zijn beëindigd.")


@click.command("reset-second-factor")
@with_appcontext
@click.argument("username")
def reset_second_factor_command(username):
    """Remove a staff account's second factor (a lost phone): its sessions end, and its next login enrols a new one."""
    name = _change_staff(lambda: reset_second_factor(_engine(), username, CLI_ACTOR), username)
    click.echo(f"Tweede factor van '{name}' gewist; bij de volgende aanmelding stelt de medewerker een nieuwe in.")


@click.command("list-staff")
@with_appcontext
def list_staff_command():
    """List the staff accounts, whether they can log in and have a second factor (never their passwords)."""
    accounts = list_staff(_engine())
    for account in accounts:
        state = "actief" if account["active"] else "uitgeschakeld"
        factor = "tweede factor" if account["enrolled"] else "nog geen tweede factor"
        if not account["local"]:
            factor = "aanmelding via de gemeente"
        failed = f"\t{account['failed_logins']} mislukte aanmeldingen" if account["failed_logins"] else ""
        created, access = account["created_at"].isoformat(), roles.describe(account["access"])
        click.echo(f"{account['username']}\t{state}\t{factor}\taangemaakt {created}\t{access}{failed}")
    if not accounts:
        click.echo("Nog geen medewerkers; maak er een met: geo-registry create-staff NAAM")


@click.command("send-mail")
@with_appcontext
def send_mail_command():
    """Try to send all e-mail that is still waiting, now, also messages waiting for a retry (the worker sends
    mail by itself; this is for an operator who wants it out at once)."""
    failures: list = []
    sent, failed = app_services.current().mailer.deliver(failures=failures)
    for failure in failures:
        click.echo(
            f"bericht {failure.id} ({failure.kind}) aan {failure.recipient} niet verstuurd: {failure.reason}", err=True
        )
    click.echo(f"{sent} verstuurd, {failed} niet verstuurd")
    if failed:
        sys.exit(1)


def _run_now(worker: Worker, name: str):
    """Run one of the worker's jobs now (whether due or not); None, said, when a worker is running it."""
    done = worker.run_job(worker.job(name), force=True)
    if done is None:
        click.echo(f"{name}: niet gedaan (een worker doet het nu, of het mislukte: zie het log)", err=True)
    return done


@click.command("confirmation-round")
@with_appcontext
def confirmation_round_command():
    """Run the worker's yearly confirmation round and its housekeeping now, and send the round's e-mail (the
    worker does all this by itself every hour; running it again sends nothing twice)."""
    worker = Worker(current_app_object())
    reminded = _run_now(worker, "confirmation-round")
    ids = list(reminded.ids) if reminded else []
    sent, failed = app_services.current().mailer.deliver(ids)
    click.echo(f"{len(ids)} beheerder(s) gemaild: {sent} verstuurd, {failed} nog niet verstuurd")
    stale = _run_now(worker, "stale-registrations")
    click.echo(f"{stale.count if stale else 0} verouderde aanmelding(en) verwijderd")
    waiting = _run_now(worker, "waiting-list")
    click.echo(f"{waiting.count if waiting else 0} verlopen verzoek(en) om bericht bij een nieuwe groep verwijderd")


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Elke taak die aan de beurt is één keer doen, dan stoppen (cron, tests).")
@click.option(
    "--job",
    "names",
    multiple=True,
    type=click.Choice([job.name for job in JOBS]),
    help="Alleen deze taak; herhaal voor meer. Standaard alle.",
)
def worker_command(once, names):
    """Do all background work in this one process: send the e-mail, retry and drop what cannot be sent, delete
    stale registrations and waiting-list requests, the yearly confirmation round. Several may run, on several
    hosts: none does a job another is doing. SIGTERM: the job under way is finished, then it exits."""
    log_to_stderr()
    worker = Worker(current_app_object())
    chosen = list(names) or None
    if once:
        worker.run_once(chosen)
        return
    sys.exit(worker.run_forever(chosen))


@click.command("copy-to-postgresql")
@with_appcontext
@click.option(
    "--target",
    required=True,
    metavar="URL",
    help="Een lege PostgreSQL-database, bijvoorbeeld postgresql+psycopg://gebruiker@host/register.",
)
def copy_to_postgresql_command(target):
    """Copy this register (usually the SQLite file) into an empty PostgreSQL database; the source stays as it is."""
    from geo_registry.store.db import make_engine
    from geo_registry.store.dbcopy import TargetNotEmpty, UnstorableText, copy_register

    try:
        if sa.engine.make_url(target).get_backend_name() != "postgresql":
            raise ValueError("--target moet een PostgreSQL-URL zijn (postgresql+psycopg://...).")
        engine = make_engine(target)
    except (ValueError, sa.exc.ArgumentError) as error:
        _fail(error)
    try:
        report = copy_register(_engine(), engine)
    except (TargetNotEmpty, UnstorableText, RuntimeError, sa.exc.SQLAlchemyError) as error:
        _fail(error)
    finally:
        engine.dispose()
    for line in report.lines():
        click.echo(line)
    click.echo(
        f"Register gekopieerd naar {engine.url.render_as_string(hide_password=True)}. Zet"
        " GEO_REGISTRY_DATABASE_URL op die URL om het te gebruiken."
    )


@click.command("backup")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False))
def backup_command(file):
    """Write a backup of the whole register to FILE while the site runs (SQLite: its online backup; PostgreSQL:
    pg_dump's custom format); FILE is replaced only once the new backup is whole."""
    from geo_registry.store.backup import BackupFailed, backup

    try:
        counts = backup(_engine(), file)
    except BackupFailed as error:
        _fail(error)
    click.echo(f"Back-up geschreven naar {file}: {counts.line()}")


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def restore_command(file):
    """Restore a backup made by `backup` into this (empty) database; a database with a register is refused."""
    from geo_registry.store.backup import BackupFailed, TargetNotEmpty, restore

    try:
        counts = restore(_engine(), file)
    except (BackupFailed, TargetNotEmpty) as error:
        _fail(error)
    app_services.current().registry.invalidate()
    click.echo(f"Back-up {file} teruggezet: {counts.line()}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", envvar="HOST", show_default=True)
@click.option("--port", default=5000, type=int, envvar="PORT", show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=None, help="Threads per serverproces (THREADS).")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Aantal serverprocessen (WORKERS); standaard WORKERS_PER_CORE per processorkern.",
)
@click.pass_context
def serve_command(ctx, host, port, threads, workers):
    """Serve the app with gunicorn: a master process and its worker processes (one per core by default);
    SIGTERM stops after running requests finish, SIGHUP reloads, SIGTTIN/SIGTTOU add or remove a process."""
    from flask.cli import ScriptInfo

    from geo_registry.web.serving import exec_master, plain_options, worker_count

    app = ctx.ensure_object(ScriptInfo).load_app()  # loaded already to find this command: its settings
    config = settings.of(app)
    if threads:
        config = settings.change(app, THREADS=threads)
    count = worker_count(config, workers)
    # The workers build their own app and engine; none of this process's database connections go with them.
    app.extensions["geo_registry.engine"].dispose()
    exec_master("geo_registry:create_app", plain_options(config, host, port, count), _announcement(config, count))


def _announcement(config, count: int) -> list[str]:
    """What the server says once it answers ({url}: its address): where, where links in e-mail lead, and whether
    rate limits are shared."""
    from geo_registry.web.urls import public_url

    lines = [f"geo_registry op {{url}}/ ({count} serverproces{'sen' if count > 1 else ''})"]
    how = (
        "ingesteld met GEO_REGISTRY_PUBLIC_URL"
        if config.PUBLIC_URL
        else "het adres van deze server; stel GEO_REGISTRY_PUBLIC_URL in als bewoners de site op een ander adres"
        " bereiken"
    )
    lines.append(f"Links in e-mail: {public_url(config) if config.PUBLIC_URL else '{url}'}/ ({how})")
    if count > 1 and config.RATELIMIT_STORAGE_URI.startswith("memory"):
        lines.append(
            "Snelheidslimieten tellen per serverproces (in het geheugen); stel "
            "GEO_REGISTRY_RATELIMIT_STORAGE_URI in op een Redis-URL om ze te delen."
        )
    return lines


COMMANDS = [
    init_db_command,
    import_buurten_command,
    import_groups_command,
    load_examples_command,
    import_addresses_command,
    create_staff_command,
    set_roles_command,
    disable_staff_command,
    enable_staff_command,
    set_password_command,
    reset_second_factor_command,
    list_staff_command,
    send_mail_command,
    confirmation_round_command,
    worker_command,
    copy_to_postgresql_command,
    backup_command,
    restore_command,
    serve_command,
]


def init_app(app) -> None:
    """Add the project's commands to the Flask CLI of app."""
    for command in COMMANDS:
        app.cli.add_command(command)


def main() -> None:
    """Entry point of the geo-registry console script."""
    from geo_registry import create_app
    from geo_registry.core.errors import StartupRefused

    try:
        FlaskGroup(
            create_app=create_app,
            add_default_commands=False,
            add_version_option=False,
            load_dotenv=False,
            help="Register van WhatsApp-buurtpreventiegroepen.",
        )(prog_name="geo-registry")
    except StartupRefused as refusal:  # a setting or the database: the message says what to do, no traceback
        _fail(refusal)
