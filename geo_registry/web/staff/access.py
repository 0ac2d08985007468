"""Who saw personal data, on the site (issue 20): seen() records that this request's account opened or exported a
beheerder's or resident's contact details; /beheer/toegangslog lets the functioneel beheerder read and filter the
access log, and export it as CSV. Reading the log is itself logged: it shows accounts and their addresses, and a
reader of the log is then as visible as anyone else."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Response, current_app, render_template, request

from geo_registry.core.errors import BadInput
from geo_registry.core.formats import spreadsheet_time
from geo_registry.core.text import _
from geo_registry.domain import access_log
from geo_registry.domain.csv_export import csv_text
from geo_registry.domain.validation import optional_text, record_id
from geo_registry.web import services as app_services
from geo_registry.web import settings
from geo_registry.web.i18n import current_language
from geo_registry.web.staff.seen import record_seen
from geo_registry.web.staff.views import bp, login_required

PAGE_SIZE = 50
MAX_PAGE = 100_000


def _day(name: str) -> date | None:
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(_("Geef een datum als 2026-12-31 (%(field)s).", field=name), field=name) from None


def filters() -> access_log.Filters:
    """The filters of ?account=&groep=&van=&tot= (dates in the municipality's time zone, both days included)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    since, until = _day("van"), _day("tot")
    return access_log.Filters(
        username=optional_text(request.args.get("account"), "account", 200) or None,
        group_id=record_id(request.args.get("groep"), "groep"),
        since=None if since is None else datetime.combine(since, time(), zone),
        until=None if until is None else datetime.combine(until + timedelta(days=1), time(), zone),
    )


def _page_number() -> int:
    text = (request.args.get("pagina") or "1").strip()
    if not text.isdigit() or not 0 < int(text) <= MAX_PAGE:
        raise BadInput(_("Dit is geen geldig paginanummer."), field="pagina")
    return int(text)


@bp.get("/toegangslog")
@login_required
def access_log_page():
    """Who saw personal data: newest first, filtered by account, group and dates, PAGE_SIZE per page."""
    chosen, number = filters(), _page_number()
    record_seen(access_log.ACCESS_LOG)
    page = access_log.entries(
        app_services.current().store.engine, chosen, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    args = {k: v for k, v in request.args.items() if k in ("account", "groep", "van", "tot") and v}
    pages = max(1, -(-page.total // PAGE_SIZE))
    return render_template(
        "staff/access_log.html",
        page=page,
        number=number,
        pages=pages,
        args=args,
        query=lambda n: urlencode({**args, "pagina": n}),
        labels=access_log.LABELS,
        retention=max(settings.current().ACCESS_LOG_RETENTION_DAYS, access_log.MIN_KEEP_DAYS),
    )


@bp.get("/toegangslog.csv")
@login_required
def access_log_csv():
    """The access log as CSV, with the page's filters (every matching entry), cells safe in a spreadsheet."""
    chosen = filters()
    record_seen(access_log.ACCESS_LOG_CSV)
    zone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    rows = (
        [
            spreadsheet_time(entry["at"], zone),
            entry["username"],
            entry["what"],
            entry["subject"],
            entry["address"],
        ]
        for entry in access_log.entries(app_services.current().store.engine, chosen, limit=None).entries
    )
    body = csv_text(["tijd", "account", "wat", "onderwerp", "adres"], rows, current_language())
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=toegangslog.csv"})
