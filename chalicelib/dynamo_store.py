"""``BookingStore`` on one DynamoDB table (layout in ``table``): every booking write
conditional on the revision it was derived from."""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any

from chalicelib.booking import RETENTION_SECONDS, Booking
from chalicelib.daily.models import Domain
from chalicelib.errors import PayloadTooLargeError, UpstreamUnavailableError
from chalicelib.store import (
    IDEMPOTENCY_SECONDS,
    BookingConflict,
    IdempotencyRecord,
    StateValue,
    changed,
    stored_item,
)
from chalicelib.table import (
    KEY_ATTRIBUTE,
    RECONCILE_AT_ATTRIBUTE,
    RECONCILE_INDEX,
    RECONCILE_SHARD,
    RECONCILE_SHARD_ATTRIBUTE,
    TTL_ATTRIBUTE,
    daily_domain_key,
    deserialize,
    host_room_key,
    idempotency_key,
    invite_pointer_key,
    lease_key,
    room_pointer_key,
    serialize,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_BATCH_ROUNDS = 3


class DynamoBookingStore:
    """``BookingStore`` on one DynamoDB table (layout in ``table``)."""

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
        stored, values = stored_item(booking, 1)
        self._put(values, f"attribute_not_exists({KEY_ATTRIBUTE})", {})
        return stored

    def replace(self, booking: Booking) -> Booking:
        stored, values = stored_item(booking, booking.revision + 1)
        self._put(values, "revision = :read", {":read": {"N": str(booking.revision)}})
        return stored

    def change(self, booking: Booking, **fields: StateValue) -> Booking:
        stored = changed(booking, fields)
        updates = dict(fields)
        if "reconcile_at" in fields:
            scheduled = fields["reconcile_at"] is not None
            updates[RECONCILE_SHARD_ATTRIBUTE] = RECONCILE_SHARD if scheduled else None
        names = {f"#f{i}": name for i, name in enumerate(updates)}
        values: dict[str, Any] = {
            ":read": {"N": str(booking.revision)},
            ":next": {"N": str(stored.revision)},
        }
        sets, removes = ["revision = :next"], []
        for alias, name in names.items():
            if updates[name] is None:
                removes.append(alias)
            else:
                values[f":{alias[1:]}"] = serialize({"v": updates[name]})["v"]
                sets.append(f"{alias} = :{alias[1:]}")
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        self._call(
            lambda: self.client.update_item(
                TableName=self._table,
                Key={KEY_ATTRIBUTE: {"S": booking.booking_id}},
                UpdateExpression=expression,
                ConditionExpression="revision = :read",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        )
        return stored

    def invite_target(self, lineage_key: str) -> str | None:
        item = self._get_item(invite_pointer_key(lineage_key))
        return str(item["booking"]) if item and "booking" in item else None

    def point_invites(
        self, lineage_key: str, room_name: str, booking_id: str, *, keep_until: int
    ) -> None:
        # Both pointers in one round trip (a first booking's latency counts on a cold start).
        requests: list[Any] = [
            {
                "PutRequest": {
                    "Item": serialize(
                        {KEY_ATTRIBUTE: key, "booking": booking_id, TTL_ATTRIBUTE: keep_until}
                    )
                }
            }
            for key in (invite_pointer_key(lineage_key), room_pointer_key(room_name))
        ]
        for _ in range(_BATCH_ROUNDS):
            batch = {self._table: requests}
            answer = self._call(
                lambda batch=batch: self.client.batch_write_item(RequestItems=batch)
            )
            requests = answer.get("UnprocessedItems", {}).get(self._table, [])
            if not requests:
                return
        raise UpstreamUnavailableError(
            "the bookings table is throttling writes", code="dynamodb-unavailable"
        )

    def room_owner(self, room_name: str) -> str | None:
        item = self._get_item(room_pointer_key(room_name))
        return str(item["booking"]) if item and "booking" in item else None

    def due_bookings(self, now: int, limit: int) -> list[Booking]:
        answer = self._call(
            lambda: self.client.query(
                TableName=self._table,
                IndexName=RECONCILE_INDEX,
                KeyConditionExpression="#shard = :shard AND #at <= :now",
                ExpressionAttributeNames={
                    "#shard": RECONCILE_SHARD_ATTRIBUTE,
                    "#at": RECONCILE_AT_ATTRIBUTE,
                },
                ExpressionAttributeValues={
                    ":shard": {"S": RECONCILE_SHARD},
                    ":now": {"N": str(now)},
                },
                Limit=limit,
            )
        )
        return [Booking.model_validate(deserialize(item)) for item in answer.get("Items", [])]

    def extend_host_room(self, room_name: str, live_until: int) -> None:
        with contextlib.suppress(BookingConflict):  # already needed for longer
            self._put(
                {
                    KEY_ATTRIBUTE: host_room_key(room_name),
                    "live_until": live_until,
                    TTL_ATTRIBUTE: live_until + RETENTION_SECONDS,
                },
                f"attribute_not_exists({KEY_ATTRIBUTE}) OR live_until < :until",
                {":until": {"N": str(live_until)}},
            )

    def host_room_live_until(self, room_name: str) -> int | None:
        item = self._get_item(host_room_key(room_name))
        return int(item["live_until"]) if item and "live_until" in item else None

    def take_lease(self, job: str, holder: str, now: int, until: int) -> bool:
        try:
            self._put(
                {KEY_ATTRIBUTE: lease_key(job), "holder": holder, "until": until},
                f"attribute_not_exists({KEY_ATTRIBUTE}) OR #until < :now OR holder = :holder",
                {":now": {"N": str(now)}, ":holder": {"S": holder}},
                {"#until": "until"},
            )
        except BookingConflict:
            return False
        return True

    def release_lease(self, job: str, holder: str, now: int) -> None:
        # A conflict means someone took over after our lease ran out: theirs now.
        with contextlib.suppress(BookingConflict):
            self._put(
                {KEY_ATTRIBUTE: lease_key(job), "holder": holder, "until": now - 1},
                "holder = :holder",
                {":holder": {"S": holder}},
            )

    def daily_domain(self, key_fingerprint: str) -> Domain | None:
        item = self._get_item(daily_domain_key(key_fingerprint))
        return Domain.model_validate(item) if item else None

    def remember_daily_domain(self, key_fingerprint: str, domain: Domain) -> None:
        self._put(
            {
                KEY_ATTRIBUTE: daily_domain_key(key_fingerprint),
                "domain_name": domain.domain_name,
                "domain_id": domain.domain_id,
                TTL_ATTRIBUTE: int(time.time()) + RETENTION_SECONDS,
            }
        )

    def claim_idempotency(self, key_id: str, record: IdempotencyRecord) -> IdempotencyRecord:
        key = idempotency_key(key_id)
        values = {
            KEY_ATTRIBUTE: key,
            "body_hash": record.body_hash,
            "booking": record.booking_id,
            "starts_at": record.starts_at,
            "created_at": record.created_at,
            TTL_ATTRIBUTE: record.created_at + IDEMPOTENCY_SECONDS,
        }
        try:
            self._put(values, f"attribute_not_exists({KEY_ATTRIBUTE})")
        except BookingConflict:
            item = self._get_item(key)
            if item is not None:
                return IdempotencyRecord(
                    body_hash=str(item["body_hash"]),
                    booking_id=str(item["booking"]),
                    starts_at=str(item["starts_at"]),
                    created_at=int(item["created_at"]),
                )
        return record

    def _get_item(self, key: str) -> dict[str, Any] | None:
        answer = self._call(
            lambda: self.client.get_item(
                TableName=self._table, Key={KEY_ATTRIBUTE: {"S": key}}, ConsistentRead=True
            )
        )
        item = answer.get("Item")
        return deserialize(item) if item else None

    def _put(
        self,
        values: dict[str, Any],
        condition: str | None = None,
        condition_values: dict[str, Any] | None = None,
        condition_names: dict[str, str] | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {"TableName": self._table, "Item": serialize(values)}
        if condition:
            kwargs["ConditionExpression"] = condition
        if condition_values:
            kwargs["ExpressionAttributeValues"] = condition_values
        if condition_names:
            kwargs["ExpressionAttributeNames"] = condition_names
        self._call(lambda: self.client.put_item(**kwargs))

    def _call(self, operation: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        try:
            return operation()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == "ConditionalCheckFailedException":
                raise BookingConflict from None
            if code == "ValidationException":
                # A permanent refusal of this item (e.g. over 400 KB): retrying cannot help.
                raise PayloadTooLargeError(
                    "the bookings table refused the booking", code="booking-refused"
                ) from None
            raise UpstreamUnavailableError(
                "the bookings table is unavailable", code="dynamodb-unavailable"
            ) from None
        except BotoCoreError:
            raise UpstreamUnavailableError(
                "the bookings table is unreachable", code="dynamodb-unavailable"
            ) from None
