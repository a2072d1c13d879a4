"""Matching writes its results back per distinct combination on SQLite (UPDATE ... FROM).

The database must end exactly as with the line-by-line write (executemany by id), which
stays the path of other databases: same lines rewritten, same values, unchanged lines
left alone (a line whose category did not change keeps its stored reason).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from procurement.db import make_engine, make_session_factory, upgrade_database
from procurement.models import (
    CategoryRule,
    ImportBatch,
    IncumbentMatch,
    Organization,
    PurchaseLine,
    Supplier,
)
from procurement.permissions import SYSTEM
from procurement.services import matching

LINES = [  # supplier, reference, expense category, account, description, amount
    ("Coop de déneigement de la Mauricie", None, "Déneigement", "02-330-00-443",
     "Déneigement secteur nord", "1200.00"),
    ("COOP DE DENEIGEMENT DE LA MAURICIE", "", "Déneigement", "02-330-00-443",
     "Déneigement secteur nord", "800.00"),
    ("Traiteur Les Saveurs", "1170000001", None, None, "Repas du conseil", "350.00"),
    ("Traiteur Les Saveurs", "1170000001", "", "", "Repas du conseil", "-50.00"),
    ("Imprimerie Lavoie", None, "Impression", None, None, "99.99"),
    ("Imprimerie Lavoie", None, "Impression", None, "", "10.00"),
    ("Fournisseur inconnu", "X-1", None, None, "zzz qqq", "5.00"),
    ("Entretien Ménager Plus", None, "Entretien ménager", "02-190-00-522",
     "Entretien des bureaux", "2500.00"),
]


def _database(folder: Path) -> Any:
    url = f"sqlite:///{folder / 'match.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        matching.seed_categories(session)
        org = Organization(code="99997", name="Ville d'essai", currency="CAD")
        session.add(org)
        for name in ("Coop de déneigement de la Mauricie", "Traiteur Les Saveurs coop",
                     "Entretien Ménager Plus"):
            session.add(Supplier(name=name, normalized_name=name.lower(),
                                 neq="1170000001" if name.startswith("Traiteur") else None))
        session.flush()
        batch = ImportBatch(organization_id=org.id, kind="spend", status="imported",
                            file_name="t.csv", file_hash="-")
        session.add(batch)
        session.flush()
        for row, (name, ref, category, account, description, amount) in enumerate(LINES, 2):
            session.add(PurchaseLine(
                organization_id=org.id, import_id=batch.id, source_row=row,
                date=dt.date(2024, 1, row), supplier_name=name, supplier_ref=ref,
                expense_category=category, account_code=account, description=description,
                amount=Decimal(amount), currency="CAD"))
        session.commit()
    return engine, factory


def _state(session: Session) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in session.execute(select(
        PurchaseLine.id, PurchaseLine.category_code, PurchaseLine.category_confidence,
        PurchaseLine.category_method, PurchaseLine.category_reason,
        PurchaseLine.incumbent_supplier_id).order_by(PurchaseLine.id))]


def _run_story(folder: Path, monkeypatch: pytest.MonkeyPatch, set_based: bool
               ) -> list[list[tuple[Any, ...]]]:
    """Match, alter the stored results, correct a category, match again; return each state."""
    monkeypatch.setattr(matching, "_set_based_writes",
                        (lambda session: True) if set_based else (lambda session: False))
    engine, factory = _database(folder)
    states = []
    with factory() as session:
        org = session.scalars(select(Organization)).one()
        matching.run_matching(session, SYSTEM, org)
        session.commit()
        states.append(_state(session))
        first, second = states[0][0][0], states[0][2][0]
        # A stale reason on an unchanged line stays; a wrong category and link are redone.
        session.execute(update(PurchaseLine).where(PurchaseLine.id == first)
                        .values(category_reason="raison ancienne"))
        session.execute(update(PurchaseLine).where(PurchaseLine.id == second)
                        .values(category_code="impression_graphisme", incumbent_supplier_id=None))
        session.add(CategoryRule(organization_id=org.id, kind="description",
                                 pattern="Entretien des bureaux",
                                 category_code="impression_graphisme"))
        match = session.scalars(select(IncumbentMatch).where(
            IncumbentMatch.supplier_name == "Coop de déneigement de la Mauricie")).one()
        match.status = "rejected"
        session.commit()
        matching.run_matching(session, SYSTEM, org)
        session.commit()
        states.append(_state(session))
    engine.dispose()
    return states


def test_writing_per_combination_leaves_the_database_as_writing_line_by_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "per_line").mkdir()
    (tmp_path / "per_combination").mkdir()
    per_line = _run_story(tmp_path / "per_line", monkeypatch, set_based=False)
    per_combination = _run_story(tmp_path / "per_combination", monkeypatch, set_based=True)

    assert per_combination == per_line
    first, second = per_combination
    assert all(row[1] and row[3] and row[4] for row in first)  # every line categorized
    assert any(row[5] is not None for row in first)  # an incumbent was recognised
    assert second[0][4] == "raison ancienne"  # unchanged line: not rewritten
    assert second[2][1] == first[2][1] and second[2][5] == first[2][5]  # redone
    assert second[7][1] == "impression_graphisme" and second[7][3] == "rule"
    assert first[0][5] is not None and second[0][5] is None  # the rejected link is gone
    assert second[1][5] == first[1][5]  # the upper-case name is another decision
