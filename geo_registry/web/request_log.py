"""One log line per request: its request id (the client's X-Request-ID when it is a plain token, else a new one;
sent back in the response's X-Request-ID), method, route, status and duration; text or JSON (LOG_FORMAT). No
personal data: the route is the URL rule (never the path or its query string, which hold postcodes and personal
links), and no form field or header value is written. An unexpected error is logged with the request id, which the
error page shows so that a resident can quote it."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import traceback
from datetime import UTC, datetime

from flask import g, has_request_context, request

from geo_registry.web import metrics, settings

log = logging.getLogger("geo_registry.requests")
HEADER = "X-Request-ID"
# A request id from the proxy is kept when it is a plain token: no spaces, no control characters, no "@" (so it
# cannot carry an e-mail address into the log), at most 128 characters.
SANE_ID = re.compile(r"[A-Za-z0-9._:+=/-]{1,128}")
EMAIL = re.compile(r"[^\s@\"'<>(),;:]+@[^\s@\"'<>(),;:]+")
POSTCODE = re.compile(r"\b[1-9][0-9]{3} ?[A-Za-z]{2}\b")
DETAIL = re.compile(r"^(\s*)DETAIL:.*$", re.MULTILINE)
NO_ROUTE = "(unmatched)"  # a path that matches no URL rule (a 404): its path is not logged
METHODS = metrics.METHODS


def request_id() -> str:
    """This request's id ('' outside a request)."""
    if not has_request_context():
        return ""
    if "request_id" not in g:
        given = request.headers.get(HEADER, "")
        # 128 random bits as 32 hex digits, uuid4().hex's form; os.urandom costs a seventh of uuid4 (6 µs a request).
        g.request_id = given if SANE_ID.fullmatch(given) else os.urandom(16).hex()
    return g.request_id


def route() -> str:
    """The URL rule this request matched, e.g. /api/v1/lookup or /beheerder/<token>."""
    return request.url_rule.rule if request.url_rule is not None else NO_ROUTE


def fields(status: int | None = None) -> dict:
    """What the log says of the current request."""
    method = request.method if request.method in METHODS else "other"
    line: dict = {"request_id": request_id(), "method": method, "route": route()}
    if status is not None:
        line["status"] = status
    started = g.get("request_started")
    if started is not None:
        line["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return line


def render(level: str, message: str, line: dict, as_json: bool) -> str:
    """One log line: JSON, or `time level message key=value ...` as text."""
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if as_json:
        return json.dumps({"time": stamp, "level": level, "message": message, **line}, ensure_ascii=False)
    pairs = " ".join(f"{key}={value}" for key, value in line.items() if key != "exception")
    return f"{stamp} {level} {message} {pairs}"


def start() -> None:
    """Note when the request began and give it its id."""
    g.request_started = time.perf_counter()
    request_id()


def finish(response):
    """Send the request id back, log the request and count it in the metrics."""
    response.headers[HEADER] = request_id()
    line = fields(response.status_code)
    log.info(render("info", "request", line, json_wanted()))
    metrics.observe_request(line["route"], line["method"], response.status_code, line.get("duration_ms", 0) / 1000)
    return response


def json_wanted() -> bool:
    """Whether the app's LOG_FORMAT is json."""
    return settings.current().LOG_FORMAT == "json"


def log_unexpected(error: BaseException) -> None:
    """Log an unexpected error (a 500) with the request's id, route and traceback (personal values masked)."""
    line = fields()
    line["exception"] = redact("".join(traceback.format_exception(error)))
    if json_wanted():  # one line: the traceback as a field
        log.error(render("error", "unexpected error", line, True))
    else:
        log.error(render("error", "unexpected error", line, False) + "\n" + line["exception"].rstrip())


def redact(text: str) -> str:
    """An error's text without what may be personal: e-mail addresses, postcodes, and the row PostgreSQL quotes
    in its DETAIL line ("Failing row contains (...)"), which may hold names and phone numbers."""
    text = DETAIL.sub(r"\1DETAIL: (left out)", text)
    return POSTCODE.sub("<postcode>", EMAIL.sub("<e-mail>", text))


def _give_output() -> None:
    """Write the request log to stderr where nobody configured logging (gunicorn leaves the root logger bare);
    where something did (pytest, an operator's logging configuration), the lines go there."""
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
    if not logging.getLogger().handlers and not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.propagate = False  # Flask's own handler on the app's logger would write each line a second time


def init_app(app) -> None:
    """Log every request (registered first, so that the line is written last, with the final status)."""
    _give_output()
    app.before_request(start)
    app.after_request(finish)
    app.context_processor(lambda: {"request_id": request_id()})
