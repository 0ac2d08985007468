"""/metrics in the Prometheus text format: the counters every process keeps (geo_registry.core.instruments; under
gunicorn added up over its workers through PROMETHEUS_MULTIPROC_DIR) and the database's state read at scrape time.
Only configured addresses (METRICS_ALLOW) or a bearer token (METRICS_TOKEN) may read it; others get a 404 (or a
403 for a wrong token). gunicorn's configuration imports `child_exit` (and `on_starting`) from here."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os

import sqlalchemy as sa
from flask import Blueprint, abort, request
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from geo_registry.core.errors import StartupRefused
from geo_registry.core.instruments import instruments
from geo_registry.domain.groups import GroupStatus
from geo_registry.web import ops_state, settings
from geo_registry.web.current import current_app_object

# gunicorn's hooks live beside the light master (web/serve_master.py); named here too, where deployments import them.
from geo_registry.web.gunicorn_hooks import MULTIPROCESS, child_exit, on_starting  # noqa: F401

bp = Blueprint("metrics", __name__)
PATH = "/metrics"
NETWORKS = "geo_registry.metrics_networks"
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def allowed_networks(text: str) -> tuple[Network, ...]:
    """The networks of METRICS_ALLOW (addresses or networks, comma-separated); refuses the start on a typo."""
    networks = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise StartupRefused(
                f"GEO_REGISTRY_METRICS_ALLOW: {part!r} is geen IP-adres of netwerk "
                "(bijvoorbeeld GEO_REGISTRY_METRICS_ALLOW=127.0.0.1,::1,10.0.0.0/8)"
            ) from None
    return tuple(networks)


def token_given() -> str | None:
    """The bearer token of this request, or None without one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def from_allowed_address(networks: tuple[Network, ...]) -> bool:
    """Whether the client (as ProxyFix reports it behind a trusted proxy) is in one of networks."""
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:  # a unix socket: no address to allow
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def forwarded_untrusted(app) -> bool:
    """A request that a proxy forwarded while TRUST_PROXY is off: its address is the proxy's (often 127.0.0.1),
    not the client's, so it opens nothing by address (a scraper on the host itself sends no X-Forwarded-For)."""
    return not settings.of(app).TRUST_PROXY and "X-Forwarded-For" in request.headers


@bp.get(PATH)
def metrics():
    """The metrics of every process of this server and of the database, for Prometheus."""
    app = current_app_object()
    expected, given = settings.of(app).METRICS_TOKEN, token_given()
    if given is not None and not (expected and hmac.compare_digest(given.encode(), expected.encode())):
        abort(403)
    if given is None and not (from_allowed_address(app.extensions[NETWORKS]) and not forwarded_untrusted(app)):
        abort(404)
    instruments()  # every family listed from the first scrape on
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROCESS):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(ThisProcess())
    registry.register(DatabaseCollector(app.extensions["geo_registry.engine"]))
    # The format the scraper asks for (Accept): Prometheus's text format, or OpenMetrics.
    encode, content_type = choose_encoder(request.headers.get("Accept"))
    return encode(registry), 200, {"Content-Type": content_type, "Cache-Control": "no-store"}


class ThisProcess(Collector):
    """The one process's own metrics (no gunicorn: `make run`, the tests), from prometheus_client's registry."""

    def collect(self):
        """Everything the default registry holds."""
        return REGISTRY.collect()


class DatabaseCollector(Collector):
    """The register's state, read from the database at each scrape (a few aggregate queries)."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def collect(self):
        """geo_registry_database_up, and when it is 1: groups, mail queue, waiting list, register version."""
        up = GaugeMetricFamily("geo_registry_database_up", "1 when the database answered this scrape's queries")
        try:
            with self.engine.connect() as conn:
                state = ops_state.read(conn)
        except sa.exc.SQLAlchemyError as error:
            log.warning("Metrics: the database does not answer: %s", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        by_status = GaugeMetricFamily("geo_registry_groups", "Groups by status", labels=["status"])
        for status in GroupStatus:
            by_status.add_metric([status.value], state.groups_by_status.get(status.value, 0))
        yield by_status
        yield GaugeMetricFamily("geo_registry_mail_queue_messages", "Messages to be delivered", value=state.mail_queued)
        yield GaugeMetricFamily(
            "geo_registry_mail_queue_oldest_age_seconds",
            "How long the oldest message to be delivered has waited (0: none waits)",
            value=state.oldest_mail_age or 0.0,
        )
        yield GaugeMetricFamily(
            "geo_registry_waiting_residents", "Residents waiting to hear of a group", value=state.waiting_residents
        )
        yield GaugeMetricFamily(
            "geo_registry_register_version",
            "The register's groups version (raised by every public change)",
            value=state.register_version,
        )
        if state.last_group_change_age is not None:
            yield GaugeMetricFamily(
                "geo_registry_register_version_age_seconds",
                "Seconds since a group was last changed",
                value=state.last_group_change_age,
            )


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request under its URL rule (never the path: no postcodes, no tokens, few series)."""
    counted = instruments()
    counted.requests.labels(route, method if method in METHODS else "other", str(status)).inc()
    counted.request_seconds.labels(route).observe(seconds)


def init_app(app) -> None:
    """Serve /metrics to the allowed addresses. The instruments are made at the first request, not here: under
    `geo-registry serve` the gunicorn master builds an app to read the settings before it sets
    PROMETHEUS_MULTIPROC_DIR and forks; instruments made then would be single-process ones in every worker."""
    app.extensions[NETWORKS] = allowed_networks(settings.of(app).METRICS_ALLOW)
    app.register_blueprint(bp)
