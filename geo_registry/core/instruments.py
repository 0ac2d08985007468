"""The app's Prometheus instruments: what each process counts as it works (requests, lookups, the Locatieserver,
mail). Made once per process on first use, not at import; under gunicorn (PROMETHEUS_MULTIPROC_DIR set before the
process starts) prometheus_client keeps each process's values in that folder and /metrics adds them up
(geo_registry.web.metrics). Values that live in the database (queue age, groups by status) are not counted here:
/metrics reads them at scrape time."""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import Counter, Histogram

# Seconds: a page or an API answer is a few milliseconds; the Locatieserver waits at most 3 s.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LOCATIESERVER_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
# The address sources by their metric names (lookup.local and lookup.pdok name themselves in Dutch).
SOURCES = {"lokaal": "address_table", "pdok": "locatieserver"}
OUTCOMES = ("group", "no_group", "outside", "not_found", "unavailable")


@dataclass(frozen=True)
class Instruments:
    """The counters and histograms of one process."""

    requests: Counter
    request_seconds: Histogram
    lookups: Counter
    locatieserver_seconds: Histogram
    locatieserver_failures: Counter
    mail_queued: Counter
    mail_sent: Counter
    mail_failed: Counter


_making = threading.Lock()


def instruments() -> Instruments:
    """The process's instruments, made (and registered in prometheus_client's registry) on first use."""
    with _making:  # two threads at once would register each metric twice (prometheus_client refuses that)
        return _made()


@functools.cache
def _made() -> Instruments:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:  # multi-process mode writes a file per process there from the first metric on
        Path(folder).mkdir(parents=True, exist_ok=True)
    return Instruments(
        requests=Counter(
            "geo_registry_http_requests",
            "HTTP requests by route (the URL rule), method and status",
            ["route", "method", "status"],
        ),
        request_seconds=Histogram(
            "geo_registry_http_request_duration_seconds",
            "Time to answer a request, by route",
            ["route"],
            buckets=REQUEST_BUCKETS,
        ),
        lookups=Counter(
            "geo_registry_lookups",
            "Lookups by source (address_table, locatieserver, point) and outcome",
            ["source", "outcome"],
        ),
        locatieserver_seconds=Histogram(
            "geo_registry_locatieserver_duration_seconds",
            "Time the Locatieserver took to answer (or to time out)",
            ["endpoint"],
            buckets=LOCATIESERVER_BUCKETS,
        ),
        locatieserver_failures=Counter(
            "geo_registry_locatieserver_failures",
            "Locatieserver calls without a usable answer (busy, timeout, error)",
            ["endpoint"],
        ),
        mail_queued=Counter("geo_registry_mail_queued", "E-mail messages queued", ["kind"]),
        mail_sent=Counter("geo_registry_mail_sent", "E-mail messages handed to the SMTP server or the outbox folder"),
        mail_failed=Counter("geo_registry_mail_failed", "E-mail delivery attempts that failed (tried again later)"),
    )


def count_lookup(source: str, outcome: str) -> None:
    """Count one lookup: source is an address source's name (lokaal, pdok) or 'point'."""
    instruments().lookups.labels(SOURCES.get(source, source), outcome).inc()
