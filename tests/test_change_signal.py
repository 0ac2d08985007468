"""The processes' change signal (store/change_signal.py): a lookup asks the database nothing while the register is
unchanged, and sees a change another process made at its next request, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from geo_registry.domain.groups import GroupStatus, GroupStore, import_groups
from geo_registry.spatial.buurten import load_buurten
from geo_registry.spatial.register import Registry
from geo_registry.store.change_signal import ChangeSignal
from geo_registry.store.db import make_engine, upgrade
from geo_registry.web import services

pytestmark = pytest.mark.both_databases

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def engines_disposed(monkeypatch):
    """Every engine a test here makes is disposed at its end: a PostgreSQL connection left to the garbage
    collector is an unraisable warning in whichever test runs then."""
    made, real = [], make_engine

    def recorded(url):
        made.append(real(url))
        return made[-1]

    monkeypatch.setitem(globals(), "make_engine", recorded)
    yield
    for engine in made:
        engine.dispose()


def statements_of(engine) -> list[str]:
    """A list that fills with every SQL statement engine sends from now on."""
    sent: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda conn, cursor, statement, *rest: sent.append(statement))
    return sent


def server_process(db_url, signal_file, recheck_seconds: float):
    """A registry as a server process holds it: its own engine, store and mapping of the signal file."""
    engine = make_engine(db_url)
    signal = ChangeSignal(signal_file)
    store = GroupStore(engine, signal)
    registry = Registry(
        load_buurten(DATA / "tiny_buurten.geojson"), store, recheck_seconds=recheck_seconds, signal=signal
    )
    return registry, statements_of(engine)


def test_no_database_round_trip_while_unchanged_and_another_process_change_seen_at_the_next_request(db_url, tmp_path):
    engine = make_engine(db_url)
    upgrade(engine)
    signal_file = tmp_path / "register-changed"
    other = GroupStore(engine, ChangeSignal(signal_file))  # another worker process, or a command beside it
    import_groups(other, DATA / "tiny_groups.geojson")
    # The periodic look is an hour away: only the signal can make this process look sooner.
    registry, sent = server_process(db_url, signal_file, recheck_seconds=3600)
    first = registry.snapshot()
    sent.clear()
    for _ in range(200):
        assert registry.snapshot() is first
    assert sent == []  # not one statement while nothing changed
    gone = first.groups[0].id
    other.set_status(gone, GroupStatus.INACTIVE)
    assert gone not in [g.id for g in registry.snapshot().groups]  # the very next request
    assert sent  # it asked the database (the truth), once told to look
    sent.clear()
    other.set_status(gone, GroupStatus.ACTIVE)
    assert gone in [g.id for g in registry.snapshot().groups]
    later = registry.snapshot()
    sent.clear()
    assert registry.snapshot() is later and sent == []  # and quiet again


def test_a_writer_without_the_signal_is_still_seen_at_the_periodic_look(db_url, tmp_path):
    engine = make_engine(db_url)
    upgrade(engine)
    import_groups(GroupStore(engine), DATA / "tiny_groups.geojson")
    registry, _ = server_process(db_url, tmp_path / "register-changed", recheck_seconds=0.25)
    first = registry.snapshot()
    looked = time.monotonic()
    gone = first.groups[0].id
    GroupStore(make_engine(db_url)).set_status(gone, GroupStatus.INACTIVE)  # a hand-made change: no signal
    time.sleep(max(0.0, 1.0 - (time.monotonic() - looked)))
    assert gone not in [g.id for g in registry.snapshot().groups]


def test_every_raise_counts_whichever_process_raises_it(tmp_path):
    signals = [ChangeSignal(tmp_path / "register-changed") for _ in range(2)]
    for _ in range(50):
        for signal in signals:
            signal.raise_()
    assert signals[0].value() == signals[1].value() == 100


def test_the_app_wires_one_signal_into_its_store_and_registry(app):
    # The app's settings name the file (CHANGE_SIGNAL_FILE); its store raises what its registry watches.
    with app.app_context():
        built = services.current()
        assert built.store.signal is built.registry.signal is not None
        before = built.registry.signal.value()
        import_groups(built.store, DATA / "tiny_groups.geojson")
        assert built.registry.signal.value() > before
