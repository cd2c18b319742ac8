"""The bookings table's layout: one DynamoDB table, which item kinds, which keys.

One table, partition key ``booking_id`` (string), no sort key, TTL on ``expires_at``.
Item kinds, told apart by the key's shape:

==================  ==============================  ==================================
kind                ``booking_id``                  attributes
==================  ==============================  ==================================
booking             ``<source>:<event id>``         ``booking.Booking``, plus
                                                    ``revision`` (optimistic lock) and,
                                                    while work is due, the index keys
invite pointer      ``lineage#<lineage key>``       ``booking``: the booking that holds
                                                    the lineage's room now
Daily domain        ``daily-domain#<key hash>``     ``domain_name``, ``domain_id``
idempotency key     ``idem#<MAC of caller, key>``   ``body_hash``, ``booking``,
                                                    ``starts_at`` (24 h, then TTL)
room pointer        ``room#<room name>``            ``booking``: the booking whose room
                                                    it is (reconcile's orphan check)
host room           ``host-room#<room name>``       ``live_until``: the latest room end
                                                    of its organizer's bookings
lease               ``lease#<job>``                 ``holder``, ``until``: one run of a
                                                    scheduled job at a time
==================  ==============================  ==================================

Index ``reconcile`` (sparse): ``reconcile_shard`` (S, always ``RECONCILE_SHARD``) and
``reconcile_at`` (N, unix seconds). Only bookings with reconcile work ahead carry them, so
the job reads exactly those, soonest first, and never scans the table.

The key prefixes contain ``#``, which no source's booking id starts with (every booking id
starts with its source name and ``:``), so kinds never collide. The CloudFormation template
and the local stack create the table from ``infra/bookings-table.json``.
"""

from __future__ import annotations

from typing import Any

TTL_ATTRIBUTE = "expires_at"
KEY_ATTRIBUTE = "booking_id"

RECONCILE_INDEX = "reconcile"
RECONCILE_SHARD_ATTRIBUTE = "reconcile_shard"
RECONCILE_AT_ATTRIBUTE = "reconcile_at"
RECONCILE_SHARD = "due"

INVITE_POINTER_PREFIX = "lineage#"
DAILY_DOMAIN_PREFIX = "daily-domain#"
IDEMPOTENCY_PREFIX = "idem#"
ROOM_POINTER_PREFIX = "room#"
LEASE_PREFIX = "lease#"
HOST_ROOM_PREFIX = "host-room#"


def invite_pointer_key(lineage_key: str) -> str:
    return INVITE_POINTER_PREFIX + lineage_key


def daily_domain_key(key_fingerprint: str) -> str:
    return DAILY_DOMAIN_PREFIX + key_fingerprint


def idempotency_key(key_id: str) -> str:
    return IDEMPOTENCY_PREFIX + key_id


def room_pointer_key(room_name: str) -> str:
    return ROOM_POINTER_PREFIX + room_name


def lease_key(job: str) -> str:
    return LEASE_PREFIX + job


def host_room_key(room_name: str) -> str:
    return HOST_ROOM_PREFIX + room_name


def serialize(values: dict[str, Any]) -> dict[str, Any]:
    """Plain JSON-like values → DynamoDB's typed attribute values (the shapes a booking has)."""
    return {key: _attribute(value) for key, value in values.items()}


def deserialize(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB's typed attribute values → plain values (numbers as int)."""
    return {key: _plain(value) for key, value in item.items()}


def _attribute(value: Any) -> dict[str, Any]:
    # Written here rather than boto3's TypeSerializer: importing boto3 costs a cold start.
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list | tuple):
        return {"L": [_attribute(item) for item in value]}
    if isinstance(value, dict):
        return {"M": {str(key): _attribute(item) for key, item in value.items()}}
    raise TypeError(f"no DynamoDB type for {type(value).__name__}")


def _plain(attribute: dict[str, Any]) -> Any:
    kind, value = next(iter(attribute.items()))
    if kind == "N":
        return int(value) if "." not in value and "e" not in value.lower() else float(value)
    if kind == "L":
        return [_plain(item) for item in value]
    if kind == "M":
        return {key: _plain(item) for key, item in value.items()}
    if kind == "NULL":
        return None
    return value  # S, BOOL (and B, as bytes)
