"""One stored import per content: uploads of the same data at once store it once.

The service checks for a duplicate first, but two uploads can pass that check together;
the database's unique index (migration 0005) decides, and the service answers
"duplicate" for the losers with nothing written.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from procurement.db import alembic_config, make_engine, make_session_factory, transaction
from procurement.models import ImportBatch, Organization, PurchaseLine
from procurement.permissions import SYSTEM
from procurement.services.imports import import_spend

CSV = ("Date,Fournisseur,Description,Montant\n"
       "2024-01-15,Entretien Plus,Entretien ménager,1200.50\n"
       "2024-02-15,Traiteur du Coin,Repas,350.00\n")


def race(factory: sessionmaker[Session], org_id: int, path: Path, n: int = 3) -> list[Any]:
    """Run `n` imports of the same file in threads that all pass the duplicate check
    before any of them stores (they meet at the start of the storing phase)."""
    barrier = threading.Barrier(n)
    outcomes: list[Any] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            with transaction(factory) as session:
                org = session.get(Organization, org_id)
                assert org is not None
                outcomes.append(import_spend(
                    session, SYSTEM, org, path, isolated=False,
                    on_phase=lambda *_: barrier.wait(timeout=20)))
        except BaseException as exc:  # reported below, with the thread's own error
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return outcomes


def test_three_simultaneous_imports_of_the_same_file_store_one(
        factory: sessionmaker[Session], session: Session, tmp_path: Path) -> None:
    org = Organization(code="37067", name="Trois-Rivières", currency="CAD")
    session.add(org)
    session.commit()
    path = tmp_path / "janvier.csv"
    path.write_text(CSV, encoding="utf-8")

    outcomes = race(factory, org.id, path)

    assert sorted(o.status for o in outcomes) == ["duplicate", "duplicate", "imported"]
    stored = next(o for o in outcomes if o.status == "imported")
    assert all(o.import_id == stored.import_id for o in outcomes)
    assert all(o.lines == 2 and str(o.total) == "1550.50" for o in outcomes)
    with factory() as check:
        imported = check.scalar(select(func.count()).select_from(ImportBatch).where(
            ImportBatch.status == "imported"))
        lines = check.scalar(select(func.count()).select_from(PurchaseLine))
        events = check.scalar(text("SELECT count(*) FROM audit_event "
                                   "WHERE action = 'import.imported'"))
    assert (imported, lines, events) == (1, 2, 1)  # nothing of the losers was written


def test_the_migration_keeps_the_oldest_copy_when_duplicates_exist_already(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0004")
    engine = make_engine(url)
    insert = text("INSERT INTO import_batch (organization_id, kind, status, file_name, "
                  "file_hash, content_hash, mapping, rows_read, lines, refused_rows, total, "
                  "currency, added, updated, unchanged, issue_counts, issues, created_at) "
                  "VALUES (:org, :kind, 'imported', 'f.csv', 'h', :content, '{}', 0, 0, 0, 0, "
                  "'CAD', 0, 0, 0, '{}', '[]', '2024-01-01')")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO organization (id, code, name, currency, created_at) "
                                "VALUES (1, '37067', 'Trois-Rivières', 'CAD', '2024-01-01')"))
        for org, kind, content in ((1, "spend", "a"), (1, "spend", "a"), (1, "spend", "a"),
                                   (1, "spend", "b"), (None, "suppliers", "a"),
                                   (None, "suppliers", "a")):
            connection.execute(insert, {"org": org, "kind": kind, "content": content})
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT id, status FROM import_batch ORDER BY id")).all()
    engine.dispose()
    assert [status for _, status in rows] == ["imported", "duplicate", "duplicate",
                                              "imported", "imported", "duplicate"]
    # The index holds from now on, for the registry too (no municipality).
    factory = make_session_factory(make_engine(url))
    with factory() as session:
        session.add(ImportBatch(organization_id=None, kind="suppliers", status="imported",
                                file_name="g.csv", file_hash="h", content_hash="a"))
        with pytest.raises(IntegrityError):
            session.flush()


def test_two_simultaneous_imports_of_the_same_registry_file_answer_imported_and_duplicate(
        factory: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from procurement.matching.normalize import normalize_company_name
    from procurement.models import Supplier
    from procurement.services import imports

    source = Path(__file__).resolve().parents[1] / "data" / "siae-france-sample.csv"
    barrier = threading.Barrier(2)
    checked = threading.local()
    first_check = imports._registry_duplicate

    def check_then_meet(*args: Any) -> Any:
        """The real duplicate check; the first one of each thread waits for the other."""
        found = first_check(*args)
        if not getattr(checked, "done", False):
            checked.done = True
            barrier.wait(timeout=20)
        return found

    monkeypatch.setattr(imports, "_registry_duplicate", check_then_meet)
    outcomes: list[Any] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            with transaction(factory) as session:
                outcomes.append(imports.import_suppliers(
                    session, SYSTEM, source, isolated=False,
                    normalize_name=normalize_company_name))
        except BaseException as exc:  # reported below, with the thread's own error
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(o.status for o in outcomes) == ["duplicate", "imported"]
    assert len({o.import_id for o in outcomes}) == 1
    with factory() as check:
        imported = check.scalar(select(func.count()).select_from(ImportBatch).where(
            ImportBatch.kind == "suppliers", ImportBatch.status == "imported"))
        suppliers = check.scalar(select(func.count()).select_from(Supplier))
        events = check.scalar(text("SELECT count(*) FROM audit_event "
                                   "WHERE action = 'registry.imported'"))
    stored = next(o for o in outcomes if o.status == "imported")
    assert (imported, events) == (1, 1) and suppliers == stored.added  # the loser wrote nothing
