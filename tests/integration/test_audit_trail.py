"""The audit trail is hash-chained: any edit or deletion is found by verification."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from procurement.audit import (
    anchor_existing_chain,
    anchor_mac,
    event_hash,
    record_event,
    verify_chain,
)
from procurement.db import make_engine, make_session_factory
from procurement.models import AuditAnchor, AuditEvent


def _three_events(session: Session) -> list[int]:
    ids = []
    for n in range(3):
        event = record_event(session, actor="clerk@example.org", action="import.imported",
                             object_type="import", object_id=n, after={"lines": n * 10})
        ids.append(event.id)
    session.commit()
    return ids


def test_an_untouched_chain_verifies(session: Session) -> None:
    _three_events(session)
    report = verify_chain(session)
    assert report.ok and report.events == 3 and report.first_broken_id is None


def test_an_edited_event_is_named_by_verification(session: Session) -> None:
    ids = _three_events(session)
    session.execute(text("UPDATE audit_event SET after = :v WHERE id = :i"),
                    {"v": '{"lines": 999}', "i": ids[1]})
    session.commit()
    session.expire_all()
    report = verify_chain(session)
    assert not report.ok
    assert report.first_broken_id == ids[1]
    assert "edited" in (report.reason or "")


def test_a_deleted_event_breaks_the_link_of_the_next_one(session: Session) -> None:
    ids = _three_events(session)
    session.execute(text("DELETE FROM audit_event WHERE id = :i"), {"i": ids[1]})
    session.commit()
    session.expire_all()
    report = verify_chain(session)
    assert report.first_broken_id == ids[2]
    assert "link" in (report.reason or "")


# --- the signed head: a deleted tail or a recomputed chain is found too -------------------

KEY = b"the instance's audit key"


@pytest.fixture
def keyed(db_url: str) -> Iterator[Session]:
    """A session signing the chain's head with the instance's key."""
    engine = make_engine(db_url)
    with make_session_factory(engine, audit_key=KEY)() as db:
        yield db
    engine.dispose()


def test_deleting_the_last_events_is_found(keyed: Session) -> None:
    ids = _three_events(keyed)
    keyed.execute(text("DELETE FROM audit_event WHERE id = :i"), {"i": ids[-1]})
    keyed.commit()
    keyed.expire_all()
    report = verify_chain(keyed)
    assert not report.ok
    assert "anchored head" in (report.reason or "")


def test_an_edit_with_the_chain_recomputed_after_it_is_found(keyed: Session) -> None:
    ids = _three_events(keyed)
    keyed.execute(text("UPDATE audit_event SET after = :v WHERE id = :i"),
                  {"v": '{"lines": 999}', "i": ids[1]})
    keyed.commit()
    keyed.expire_all()
    # Whoever edits the database can recompute every hash after the edit, and move the
    # anchor to the new head: without the key, its keyed hash cannot follow.
    prev = keyed.get(AuditEvent, ids[0]).hash  # type: ignore[union-attr]
    for event_id in ids[1:]:
        event = keyed.get(AuditEvent, event_id)
        assert event is not None
        event.prev_hash = prev
        event.hash = event_hash(event, prev)
        prev = event.hash
    anchor = keyed.get(AuditAnchor, 1)
    assert anchor is not None
    anchor.hash = prev
    anchor.mac = anchor_mac(b"a guessed key", anchor.event_id, prev, anchor.events)
    keyed.commit()
    assert _walk_only(keyed).ok  # the chain alone looks intact
    report = verify_chain(keyed)
    assert not report.ok and "keyed hash" in (report.reason or "")


def test_deleting_the_anchor_itself_is_found(keyed: Session) -> None:
    _three_events(keyed)
    keyed.execute(text("DELETE FROM audit_anchor"))
    keyed.commit()
    report = verify_chain(keyed)
    assert not report.ok and "not anchored" in (report.reason or "")


def test_another_key_does_not_verify_the_head(keyed: Session, db_url: str) -> None:
    _three_events(keyed)
    engine = make_engine(db_url)
    with make_session_factory(engine, audit_key=b"another key")() as other:
        assert not verify_chain(other).ok
    engine.dispose()
    assert verify_chain(keyed).ok


def test_a_trail_from_before_anchoring_is_anchored_once_if_intact(keyed: Session) -> None:
    _three_events(keyed)
    keyed.execute(text("DELETE FROM audit_anchor"))  # as an upgraded database has it
    keyed.commit()
    assert anchor_existing_chain(keyed) is True
    keyed.commit()
    assert verify_chain(keyed).ok
    assert anchor_existing_chain(keyed) is False  # never moved once there


def _walk_only(session: Session) -> Any:
    from procurement.audit import _walk

    return _walk(session, None)


def test_deleting_the_anchor_with_the_tail_is_not_hidden_by_the_next_event(
        keyed: Session) -> None:
    ids = _three_events(keyed)
    keyed.execute(text("DELETE FROM audit_event WHERE id = :i"), {"i": ids[-1]})
    keyed.execute(text("DELETE FROM audit_anchor"))
    keyed.commit()
    keyed.expire_all()
    record_event(keyed, actor="clerk@example.org", action="import.imported",
                 object_type="import", object_id=9)
    keyed.commit()
    report = verify_chain(keyed)
    assert not report.ok and "not anchored" in (report.reason or "")
