"""Append-only, hash-chained audit trail, its head anchored by a keyed hash.

Each event's hash covers its content and the previous event's hash, so editing or
deleting any past event breaks the chain from that point; `verify_chain` finds it.
The chain alone cannot see its last events deleted, nor a chain recomputed after an
edit: the anchor (one row of `audit_anchor`) holds the head's id, hash and the number of
events, with an HMAC under the audit key from configuration, which the database does
not hold. Whoever can write the database but does not know the key cannot move the
anchor to a truncated or recomputed head.

The key travels with the session (`session.info["audit_key"]`, set by
`procurement.db.make_session_factory`); sessions made without one use a fixed
development key, which protects nothing: the application and the command line always
pass the configured one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from procurement.models import AuditAnchor, AuditEvent, utcnow

GENESIS = "0" * 64
UNKEYED = b"procure-audit-development-key"  # sessions built without a configured key
ANCHOR_ID = 1


def audit_key(session: Session) -> bytes:
    """Return the key the session's anchor is signed with."""
    key = session.info.get("audit_key")
    return bytes(key) if key else UNKEYED


def anchor_mac(key: bytes, event_id: int, event_hash_: str, events: int) -> str:
    """Sign the head of the chain: its id, its hash and the number of events."""
    message = f"audit-anchor:{event_id}:{event_hash_}:{events}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _move_anchor(session: Session, event: AuditEvent, *, adopt_history: bool = False) -> None:
    """Point the anchor at the new head (in the event's transaction)."""
    anchor = session.get(AuditAnchor, ANCHOR_ID)
    if anchor is None:
        events = int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
        if events > 1 and not adopt_history:
            # Older events and no anchor: its anchor was deleted (perhaps with the last
            # events), or the trail predates anchoring. Signing the head here would hide
            # that; the trail stays unanchored until a person runs `procure init`.
            return
        anchor = AuditAnchor(id=ANCHOR_ID)
        session.add(anchor)
    else:
        events = anchor.events + 1
    anchor.event_id, anchor.hash, anchor.events = event.id, event.hash, events
    anchor.mac = anchor_mac(audit_key(session), event.id, event.hash, events)
    anchor.updated_at = utcnow()
    session.flush()


def anchor_existing_chain(session: Session) -> bool:
    """Anchor a chain written before anchoring existed, once, if it verifies; tell if done.

    `procure init` calls this after an upgrade (a person's explicit act: an anchor that
    goes missing later is never recreated silently); an anchor present is left alone.
    """
    if session.get(AuditAnchor, ANCHOR_ID) is not None:
        return False
    head = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    if head is None or not _walk(session, None).ok:
        return False
    _move_anchor(session, head, adopt_history=True)
    return True


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
    _move_anchor(session, event)
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


def verify_chain(session: Session, organization_id: int | None = None) -> ChainReport:
    """Recompute every hash in order, check the signed head, name the first broken event.

    With `organization_id`, `events` counts that municipality's events only and an event
    of another municipality is not named (the chain itself is one for the instance).
    """
    walked = _walk(session, organization_id)
    if not walked.ok:
        return walked
    anchor = session.get(AuditAnchor, ANCHOR_ID)
    head = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    total = int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
    if anchor is None:
        if head is None:
            return walked
        return ChainReport(False, walked.events, None,
                           "the head of the trail is not anchored (its anchor was deleted, "
                           "or the trail predates anchoring: run `procure init` once)")
    expected = anchor_mac(audit_key(session), anchor.event_id, anchor.hash, anchor.events)
    if not hmac.compare_digest(expected, anchor.mac or ""):
        return ChainReport(False, walked.events, None,
                           "the anchor of the head does not match its keyed hash (it was "
                           "rewritten, or the audit key changed)")
    if head is None or head.id != anchor.event_id or head.hash != anchor.hash:
        return ChainReport(False, walked.events, None,
                           "the last events do not match the anchored head (events were "
                           "deleted at the end, or the chain was recomputed)")
    if total != anchor.events:
        return ChainReport(False, walked.events, None,
                           "the number of events does not match the anchored count")
    return walked


def _walk(session: Session, organization_id: int | None) -> ChainReport:
    """Recompute every hash in order and name the first event that does not match."""
    prev = GENESIS
    count = 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        mine = organization_id is None or event.organization_id == organization_id
        count += mine
        named = event.id if mine else None
        if event.prev_hash != prev:
            return ChainReport(False, count, named,
                               "its link to the previous event is broken (an event was "
                               "deleted or re-linked)")
        if event_hash(event, prev) != event.hash:
            return ChainReport(False, count, named,
                               "its content does not match its hash (it was edited)")
        prev = event.hash
    return ChainReport(True, count, None, None)
