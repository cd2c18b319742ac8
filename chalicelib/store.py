"""Bookings in DynamoDB, one item per booking, every write conditional.

Concurrency is optimistic: a booking carries a ``revision``; a writer states the revision it
read and loses with ``BookingConflict`` if someone else wrote first, then re-reads and decides
again. A new booking is written only if none exists, so one event delivered many times at
once yields one record.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.errors import UpstreamUnavailableError
from chalicelib.events.model import Person

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Tombstones and finished bookings are kept long enough to outlive every sender's replays
# (Zapier ~10 h, Calendly 24 h, Standard Webhooks senders days).
RETENTION_SECONDS = 14 * 24 * 3600
META_PREFIX = "meta#"


class BookingConflict(Exception):
    """Another writer changed the booking first; re-read and decide again."""


class Booking(BaseModel):
    model_config = ConfigDict(frozen=True)

    booking_id: str
    source: str
    event_id: str
    cancelled: bool = False
    version: int | None = None
    content_hash: str | None = None
    # The booking a room was first made for; a rescheduled meeting keeps it, and with it
    # the room name and the invite links.
    lineage: str
    room_name: str
    room_url: str | None = None
    domain_id: str | None = None
    privacy: Literal["private", "public"] = "private"
    # Whether Daily matches this record (room live with this window, or deleted once
    # cancelled); False means work left for the next delivery or the reconcile job.
    room_synced: bool = False
    # False once the room moved to a rescheduled booking or was deleted.
    owns_room: bool = True
    moved_to: str | None = None
    starts_at: str | None = None
    ends_at: str | None = None
    nbf: int | None = None
    exp: int | None = None
    title: str | None = None
    organizer: Person | None = None
    attendees: tuple[Person, ...] = ()
    issued_at: int
    revision: int = 0
    created_at: int
    updated_at: int
    expires_at: int

    @property
    def status(self) -> Literal["scheduled", "pending", "cancelled"]:
        if self.cancelled:
            return "cancelled"
        return "scheduled" if self.room_synced else "pending"


def retention_until(exp: int | None, now: float) -> int:
    return int(max(exp or 0, now)) + RETENTION_SECONDS


class BookingStore:
    def __init__(self, table: str, client: DynamoDBClient | None = None) -> None:
        self._table = table
        self._client = client

    @property
    def client(self) -> DynamoDBClient:
        if self._client is None:
            from chalicelib.aws import dynamodb  # noqa: PLC0415

            self._client = dynamodb()
        return self._client

    def get(self, booking_id: str) -> Booking | None:
        item = self._get_item(booking_id)
        return Booking.model_validate(item) if item is not None else None

    def insert(self, booking: Booking) -> Booking:
        """Write a booking that must not exist yet (``BookingConflict`` if it does)."""
        stored = booking.model_copy(update={"revision": 1})
        self._put(stored, "attribute_not_exists(booking_id)", {})
        return stored

    def replace(self, booking: Booking) -> Booking:
        """Write a new state over the revision ``booking`` was derived from."""
        stored = booking.model_copy(update={"revision": booking.revision + 1})
        self._put(stored, "revision = :read", {":read": {"N": str(booking.revision)}})
        return stored

    def get_meta(self, key: str) -> dict[str, Any] | None:
        return self._get_item(META_PREFIX + key)

    def put_meta(self, key: str, values: dict[str, str], *, keep_until: int | None = None) -> None:
        item = {"booking_id": {"S": META_PREFIX + key}}
        item.update({name: {"S": value} for name, value in values.items()})
        until = keep_until if keep_until is not None else int(time.time()) + RETENTION_SECONDS
        item["expires_at"] = {"N": str(until)}
        self._call(lambda: self.client.put_item(TableName=self._table, Item=item))

    def _get_item(self, key: str) -> dict[str, Any] | None:
        answer = self._call(
            lambda: self.client.get_item(
                TableName=self._table, Key={"booking_id": {"S": key}}, ConsistentRead=True
            )
        )
        item = answer.get("Item")
        return _deserialize(item) if item else None

    def _put(self, booking: Booking, condition: str, values: dict[str, Any]) -> None:
        item = _serialize(booking.model_dump(mode="json", exclude_none=True))
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "Item": item,
            "ConditionExpression": condition,
        }
        if values:
            kwargs["ExpressionAttributeValues"] = values
        self._call(lambda: self.client.put_item(**kwargs))

    def _call(self, operation: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        try:
            return operation()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise BookingConflict from None
            raise UpstreamUnavailableError(
                "the bookings table is unavailable", code="dynamodb-unavailable"
            ) from None
        except BotoCoreError:
            raise UpstreamUnavailableError(
                "the bookings table is unreachable", code="dynamodb-unavailable"
            ) from None


def _serialize(values: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer  # noqa: PLC0415

    serializer = TypeSerializer()
    return {key: serializer.serialize(value) for key, value in values.items()}


def _deserialize(item: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer  # noqa: PLC0415

    deserializer = TypeDeserializer()
    return {key: _plain(deserializer.deserialize(value)) for key, value in item.items()}


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; the booking model holds ints only."""
    from decimal import Decimal  # noqa: PLC0415

    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
