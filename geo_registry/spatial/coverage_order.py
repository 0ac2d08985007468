"""The order of the staff's coverage table: where residents have no group yet comes first."""

from __future__ import annotations

from geo_registry.spatial.coverage import CLASSES

# "geen" first, "heel" last: CLASSES runs from most to least covered.
CLASS_RANK = {key: rank for rank, (_, key, _, _) in enumerate(reversed(CLASSES))}


def priority_key(item) -> tuple:
    """Sort key of one buurt's coverage: with an address table, buurten with addresses come before those
    without any (a nature area is not where a group is missing), then the least covered class, then the most
    addresses without a group; without an address table, the least covered first."""
    no_addresses = item.addresses is not None and item.addresses == 0
    waiting = -(item.addresses_without_group or 0) if item.addresses is not None else 0
    return (no_addresses, CLASS_RANK.get(item.status[0], 0), waiting, item.share, item.buurt.name)


def by_priority(items) -> list:
    """Return the coverage items in the order staff should act on them."""
    return sorted(items, key=priority_key)
