"""The audit trail is hash-chained: any edit or deletion is found by verification."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from procurement.audit import record_event, verify_chain


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
