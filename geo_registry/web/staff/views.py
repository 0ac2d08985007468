"""The staff area under /beheer: login, review, edit, the audit log and unsent e-mail (coverage.py and exports.py
add their pages to the same blueprint)."""

from __future__ import annotations

from functools import wraps

import flask_login
from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from geo_registry.core.geometry import area_m2
from geo_registry.core.text import _
from geo_registry.domain import access_log, actions, login_backoff, renewal, roles
from geo_registry.domain.actions import ActionRefused
from geo_registry.domain.areas import find_overlaps
from geo_registry.domain.groups import GroupStatus
from geo_registry.domain.staff import audit_entries, authenticate, end_sessions
from geo_registry.domain.validation import record_id
from geo_registry.spatial.coverage import group_address_counts
from geo_registry.web import services as app_services
from geo_registry.web import settings
from geo_registry.web.form_classes import GroupEditForm
from geo_registry.web.forms import area_changed, first_error
from geo_registry.web.i18n import current_language
from geo_registry.web.mailing import mail_message
from geo_registry.web.maps import draw_map
from geo_registry.web.public.beheerder_link import personal_link, valid_until
from geo_registry.web.public.subscribe import started_notice
from geo_registry.web.security import forget_hits, limit_per, limiter
from geo_registry.web.staff import feedback, oidc, policy, scope
from geo_registry.web.staff.backoff import accounts_under_attack, backoff_message, record_failure, seconds_to_wait
from geo_registry.web.staff.proposals import area_proposals, group_map
from geo_registry.web.staff.seen import record_seen
from geo_registry.web.staff.sessions import begin_second_factor, session_ended
from geo_registry.web.urls import external_url

bp = Blueprint("staff", __name__, url_prefix="/beheer")


@bp.context_processor
def statuses() -> dict:
    """Staff templates compare a group's status with the enum, not with string literals."""
    return {"GroupStatus": GroupStatus}


def login_required(view):
    """Only for a logged-in staff member (Flask-Login) whose session has not ended by idle time or its maximum;
    others go to the login page (or, halfway through a login, to the second factor)."""

    @wraps(view)
    @flask_login.login_required
    def wrapped(*args, **kwargs):
        """Run the view for staff only."""
        ended = session_ended()
        if ended is not None:
            return ended
        g.staff = current_user.staff
        return view(*args, **kwargs)

    return wrapped


@bp.get("/inloggen")
def login():
    """The login form."""
    return render_template("staff/login.html", username="", error=None, next=request.args.get("next", ""))


@bp.post("/inloggen")
@limiter.limit(limit_per(lambda s: s.LOGIN_LIMIT, "15 minutes"))
def login_post():
    """Log in, first the password: limited per client, and per account by its back-off (a wait before the attempt
    is even checked); then the second factor, or its enrolment, before the session starts."""
    if not oidc.local_login_allowed():  # LOCAL_LOGIN=false: staff sign in through the identity provider only
        abort(404)
    username = request.form.get("gebruikersnaam", "")
    next_url = request.form.get("next", "")
    engine = app_services.current().store.engine
    account = login_backoff.find(engine, username)
    wait = seconds_to_wait(account)
    if wait:
        return _login_page(username, next_url, backoff_message(wait), 429)
    staff = authenticate(engine, username, request.form.get("wachtwoord", ""))
    if staff is None:
        if account is not None:
            record_failure(account)
        return _login_page(username, next_url, _("Gebruikersnaam of wachtwoord klopt niet."), 401)
    forget_hits()
    return begin_second_factor(staff, next_url)


def _login_page(username: str, next_url: str, error: str, status: int):
    return render_template("staff/login.html", username=username, next=next_url, error=error), status


@bp.post("/uitloggen")
@login_required
def logout():
    """Log out: this session and every other session of this account end, also copies of its cookie."""
    end_sessions(app_services.current().store.engine, current_user.id)
    flask_login.logout_user()
    session.clear()
    return redirect(url_for("staff.login"))


@bp.get("/")
@login_required
def index():
    """The queue of registrations awaiting review, and every group."""
    store = app_services.current().store
    groups = scope.groups(store.list(status=None))
    seen = {gr.id for gr in groups}
    snapshot = app_services.current().registry.snapshot()
    interval = settings.current().CONFIRM_INTERVAL_DAYS
    record_seen(access_log.GROUP_LIST)  # every group with its beheerder's name
    return render_template(
        "staff/index.html",
        groups=groups,
        addresses=snapshot.group_addresses(),
        limit=settings.current().MEMBER_LIMIT,
        overdue=[gr for gr in renewal.overdue_groups(store, renewal.utcnow(), interval) if gr.id in seen],
        interval=interval,
        changes=[change for change in renewal.pending_changes(store) if change["group_id"] in seen],
        names={gr.id: gr.name for gr in groups},
        queue=[gr for gr in groups if gr.status == GroupStatus.PENDING_REVIEW],
        unsent=len(scope.messages(app_services.current().mailer.pending())),
        under_attack=accounts_under_attack() if policy.current_access().has(roles.FUNCTIONEEL_BEHEERDER) else [],
    )


def group_or_404(group_id: int):
    """Return any group by id, or 404."""
    group = app_services.current().store.get(group_id)
    if group is None:
        abort(404)
    return group


@bp.get("/groep/<int:group_id>")
@login_required
def group(group_id: int):
    """One group: its area on a map, its overlaps, and what staff can do with it."""
    return _group_page(group_or_404(group_id))


def _group_page(item, errors: dict | None = None, reason: str = "", status_code: int = 200):
    """The group page; errors of the review form are shown at their field, with what was typed kept."""
    snapshot = app_services.current().registry.snapshot()
    others = [gr for gr in snapshot.groups if gr.id != item.id]
    overlaps = find_overlaps(item.area, area_m2(item.area), others)  # with any group: an overlap matters anyway
    counts = group_address_counts([item], snapshot.points())
    changes = renewal.pending_changes(app_services.current().store, item.id)
    proposals = area_proposals(item, changes, snapshot, settings.current())
    record_seen(access_log.GROUP, item.id)  # also when a refused review shows the page again: the details are shown
    return render_template(
        "staff/group.html",
        group=item,
        overlaps=overlaps,
        addresses=None if counts is None else counts[item.id],
        changes=changes,
        limit=settings.current().MEMBER_LIMIT,
        errors=errors or {},
        reason=reason,
        area_m2=area_m2(item.area),
        proposals={proposal.change_id: proposal for proposal in proposals},
        map=group_map(snapshot, settings.current(), item, scope.groups(others), proposals),
    ), status_code


@bp.post("/groep/<int:group_id>/beoordelen")
@login_required
def review(group_id: int):
    """Approve or reject a registration; the beheerder gets an e-mail either way."""
    approve = request.form.get("besluit") == "goedkeuren"
    typed = (request.form.get("reden") or "")[:1000]
    note = typed.strip()
    if not approve and not note:
        return _group_page(
            group_or_404(group_id),
            {"reden": _("Geef een reden voor de afwijzing; de beheerder krijgt die te lezen.")},
            typed,
            400,
        )
    template = "review_approved" if approve else "review_rejected"
    mailed = []

    def message(item, waiting=0):
        """The e-mail that tells the beheerder the decision (and how many waiting residents are told)."""
        mailed.append(item)
        # An approved beheerder's next steps: the group's own page to share with the street, its poster, and
        # their own page (confirm, change, hand over) without waiting a year for the first yearly round.
        links = (
            {
                "join_link": external_url("join.form", group_id=item.id),
                "poster_link": external_url("poster.show", group_id=item.id),
                "beheerder_link": personal_link(item),
                "until": valid_until(),
            }
            if approve
            else {}
        )
        return mail_message(
            "beoordeling",
            item.beheerder_email,
            template,
            lang=item.lang,
            group=item,
            note=note,
            waiting_count=waiting,
            **links,
        )

    if _done(
        lambda: actions.review(
            app_services.current().store, group_id, g.staff["username"], approve, note, message, notice=started_notice
        )
    ):
        session["flash"] = feedback.reviewed(mailed[-1], approve)
    return redirect(url_for("staff.group", group_id=group_id))


def _done(action) -> bool:
    """Run a staff action; True when it was done, False when refused (the reason becomes the next page's
    message, shown as an error)."""
    try:
        action()
    except ActionRefused as refusal:
        session["flash"], session["flash_kind"] = str(refusal), "error"
        return False
    return True


@bp.post("/groep/<int:group_id>/status")
@login_required
def status(group_id: int):
    """Deactivate or reactivate a group."""
    active = request.form.get("status") == GroupStatus.ACTIVE
    item = group_or_404(group_id)
    if _done(
        lambda: actions.set_active(
            app_services.current().store, group_id, g.staff["username"], active, notice=started_notice
        )
    ):
        session["flash"] = feedback.activity(item, active)
    return redirect(url_for("staff.group", group_id=group_id))


@bp.get("/groep/<int:group_id>/verwijderen")
@login_required
def delete_confirm(group_id: int):
    """Ask before deleting."""
    return render_template("staff/delete.html", group=group_or_404(group_id))


@bp.post("/groep/<int:group_id>/verwijderen")
@login_required
def delete(group_id: int):
    """Delete a group for good."""
    if request.form.get("bevestig") != "ja":
        return redirect(url_for("staff.delete_confirm", group_id=group_id))
    item = app_services.current().store.get(group_id)
    if _done(lambda: actions.delete(app_services.current().store, group_id, g.staff["username"])):
        session["flash"] = feedback.deleted(item)
    return redirect(url_for("staff.index"))  # also when it was gone already (a double click): the refusal says so


def _render_edit(item, form: GroupEditForm, errors, status_code=200, checked=None):
    snapshot = app_services.current().registry.snapshot()
    record_seen(access_log.GROUP_EDIT, item.id)  # the form is filled in with the beheerder's contact details
    return render_template(
        "staff/edit.html",
        group=item,
        form=form,
        errors=errors,
        checked=checked,
        error=first_error(errors) if errors else None,
        buurten=snapshot.buurten,
        chosen=set(form.chosen()),
        map=draw_map(snapshot, settings.current(), current_language(), "gebied_getekend"),
    ), status_code


@bp.get("/groep/<int:group_id>/bewerken")
@login_required
def edit(group_id: int):
    """The edit form: details, and optionally a new area."""
    item = group_or_404(group_id)
    return _render_edit(item, GroupEditForm.for_group(item), {})


@bp.post("/groep/<int:group_id>/bewerken")
@login_required
def edit_post(group_id: int):
    """Save details and, when one is given, the new area (checked as at registration)."""
    item = group_or_404(group_id)
    form = GroupEditForm()
    errors, checked = form.check(exclude_group_id=group_id)
    if errors:
        return _render_edit(item, form, errors, 400)
    changes = form.details()
    if area_changed(checked, item.area):
        changes["area"] = checked.geometry
    changed = []
    if _done(
        lambda: changed.extend(
            actions.edit(app_services.current().store, group_id, g.staff["username"], changes, notice=started_notice)
        )
    ):
        notes = checked.notes if "area" in changes else []
        session["flash"] = feedback.edited(changes.get("name", item.name), changed, notes)
    return redirect(url_for("staff.group", group_id=group_id))


@bp.get("/logboek")
@login_required
def audit_log():
    """Who did what to which group, when (read-only)."""
    entries = audit_entries(app_services.current().store.engine)
    return render_template("staff/audit.html", entries=scope.audit_entries(entries))


@bp.get("/e-mail")
@login_required
def outbox():
    """Messages that could not be sent yet (their recipients' addresses are personal data)."""
    record_seen(access_log.OUTBOX)
    return render_template("staff/outbox.html", messages=scope.messages(app_services.current().mailer.pending()))


@bp.post("/e-mail")
@login_required
def outbox_retry():
    """Have the delivery worker try every waiting message again, also those it set aside: those of the account's
    municipalities (the ones its outbox page shows)."""
    mailer = app_services.current().mailer
    shown = scope.messages(mailer.pending())
    waiting = [message["recipient"] for message in shown]
    mailer.retry_all(None if scope.codes() is None else [message["id"] for message in shown])
    session["flash"] = feedback.retried(waiting)
    return redirect(url_for("staff.outbox"))


@bp.app_context_processor
def staff_context():
    """Give staff templates the one-time message of the previous action."""
    if request.blueprint != "staff":
        return {}
    return {
        "flash": session.pop("flash", None),
        "flash_kind": session.pop("flash_kind", "info"),
        "staff": getattr(g, "staff", None),
    }


@bp.post("/groep/<int:group_id>/herinnering")
@login_required
def reminder(group_id: int):
    """Send the beheerder the yearly confirmation e-mail now."""
    from geo_registry.web.public.renewal import renewal_message

    item = group_or_404(group_id)
    if item.status != GroupStatus.ACTIVE:
        session["flash"] = _("Alleen een actieve groep krijgt een herinnering.")
        return redirect(url_for("staff.group", group_id=group_id))
    renewal.remind(app_services.current().store, item, g.staff["username"], renewal_message)
    session["flash"] = feedback.reminded(item)
    return redirect(url_for("staff.group", group_id=group_id))


@bp.post("/wijziging/<int:change_id>/beoordelen")
@login_required
def review_change(change_id: int):
    """Apply or refuse a change a beheerder proposed; the beheerder is told either way."""
    approve = request.form.get("besluit") == "goedkeuren"
    note = (request.form.get("reden") or "").strip()[:1000]
    group_id = record_id(request.form.get("groep"), "groep")  # checked before anything changes

    mailed = []

    def message(item, approved):
        """The e-mail that tells the beheerder what became of the change."""
        mailed.append(item)
        return mail_message(
            "wijziging",
            item.beheerder_email,
            "change_reviewed",
            lang=item.lang,
            group=item,
            approve=approved,
            note=note,
        )

    if _done(
        lambda: renewal.review_change(
            app_services.current().store, change_id, g.staff["username"], approve, note, message, notice=started_notice
        )
    ):
        session["flash"] = feedback.change_reviewed(mailed[-1], approve)
    return redirect(url_for("staff.group", group_id=group_id) if group_id else url_for("staff.index"))
