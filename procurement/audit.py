"""Append-only, hash-chained audit trail.

Each event's hash covers its content and the previous event's hash, so editing or
deleting any past event breaks the chain from that point; `verify_chain` finds it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from procurement.models import AuditEvent, utcnow

GENESIS = "0" * 64


def _canonical_time(moment: dt.datetime) -> str:
    """Render a timestamp the same way whether the database kept its time zone or not."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def event_hash(event: AuditEvent, prev_hash: str) -> str:
    """Compute the chained hash of an event."""
    payload = {
        "prev": prev_hash,
        "organization_id": event.organization_id,
        "actor": event.actor,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before": event.before,
        "after": event.after,
        "created_at": _canonical_time(event.created_at),
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def record_event(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: Any = None,
    organization_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event in the caller's transaction (it commits or rolls back with the change)."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialize writers so that two transactions never chain to the same predecessor.
        session.execute(text("SELECT pg_advisory_xact_lock(7342001)"))
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    prev = last or GENESIS
    event = AuditEvent(
        organization_id=organization_id,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=_jsonable(before),
        after=_jsonable(after),
        created_at=utcnow(),
        prev_hash=prev,
    )
    event.hash = event_hash(event, prev)
    session.add(event)
    session.flush()
    return event


def _jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Round-trip through JSON so the hashed form equals the stored form."""
    if value is None:
        return None
    result: dict[str, Any] = json.loads(json.dumps(value, default=str))
    return result


@dataclass(frozen=True)
class ChainReport:
    """Outcome of a verification of the whole chain."""

    ok: bool
    events: int
    first_broken_id: int | None
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {"ok": self.ok, "events": self.events, "first_broken_id": self.first_broken_id,
                "reason": self.reason}


def verify_chain(session: Session) -> ChainReport:
    """Recompute every hash in order and name the first event that does not match."""
    prev = GENESIS
    count = 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        count += 1
        if event.prev_hash != prev:
            return ChainReport(False, count, event.id,
                               "its link to the previous event is broken (an event was "
                               "deleted or re-linked)")
        if event_hash(event, prev) != event.hash:
            return ChainReport(False, count, event.id,
                               "its content does not match its hash (it was edited)")
        prev = event.hash
    return ChainReport(True, count, None, None)
