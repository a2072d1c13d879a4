"""The same chain on PostgreSQL (psycopg 3), the production database.

Needs a server: PROCURE_TEST_POSTGRES_URL (CI starts one with scripts/start-postgres.sh).
Without it the tests are skipped locally and fail on CI (CI=true).
"""

from __future__ import annotations

import csv
import os
import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from procurement import demo
from procurement.audit import verify_chain
from procurement.db import cents_sum, make_engine, make_session_factory, upgrade_database
from procurement.errors import Conflict
from procurement.matching import normalize_company_name
from procurement.models import AuditEvent, Organization, Proposal, PurchaseLine, User
from procurement.permissions import SYSTEM
from procurement.services import exports, review
from procurement.services.imports import ImportSettings, import_spend
from procurement.users import actor_for

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """Create a fresh database on the test server, migrated, and drop it afterwards."""
    server = os.environ.get("PROCURE_TEST_POSTGRES_URL")
    if not server:
        message = "PROCURE_TEST_POSTGRES_URL is not set (scripts/start-postgres.sh)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but no PostgreSQL server: {message}")
        pytest.skip(message)
    name = f"procure_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    upgrade_database(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def factory(pg_url: str, realdata: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[sessionmaker[Session]]:
    """Load the demo (registry, a year of spending, a first proposal) into PostgreSQL."""
    engine = make_engine(pg_url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        demo.load_demo(session, instance=tmp_path_factory.mktemp("pg"),
                       normalize_name=normalize_company_name, log=lambda _m: None)
        session.commit()
    yield sessions
    engine.dispose()


def test_the_bradford_month_imports_to_the_cent_on_postgresql(
        factory: sessionmaker[Session], realdata: Path) -> None:
    path = realdata / "bradford-spend-2019-08.csv"
    with path.open(encoding="cp1252", newline="") as handle:
        expected = sum((Decimal(r["Net Amount"]) for r in csv.DictReader(handle)), Decimal(0))
    with factory() as session:
        org = session.scalar(select(Organization).where(Organization.code == "36033"))
        outcome = import_spend(session, SYSTEM, org, path, currency="GBP", isolated=False)
        session.commit()
        stored = session.scalar(select(cents_sum(PurchaseLine.amount)).where(
            PurchaseLine.organization_id == org.id))
        again = import_spend(session, SYSTEM, org, path, isolated=False)
        count = session.scalar(select(func.count()).select_from(PurchaseLine).where(
            PurchaseLine.organization_id == org.id))
    assert outcome.status == "imported" and outcome.lines == 9708
    assert outcome.total == expected and Decimal(int(stored)) / 100 == expected
    assert again.status == "duplicate" and count == 9708


def test_the_demo_proposal_is_optimal_and_exports_on_postgresql(
        factory: sessionmaker[Session]) -> None:
    with factory() as session:
        proposal = session.scalar(select(Proposal).order_by(Proposal.id))
        assert proposal is not None and proposal.solver_status == "optimal"
        assert (proposal.kpis["social_economy_share_after"]
                > proposal.kpis["social_economy_share_before"])
        auditor = actor_for(session.scalar(select(User).where(User.role == "auditor")))
        workbook = exports.export_proposal(session, auditor, proposal.id, "xlsx")
        session.commit()
    assert workbook.content[:2] == b"PK"


def test_two_reviewers_on_one_version_get_one_success_and_one_conflict(
        factory: sessionmaker[Session]) -> None:
    with factory() as session:
        purchaser = actor_for(session.scalar(select(User).where(User.role == "purchaser")))
        finance = actor_for(session.scalar(select(User).where(User.role == "finance")))
        proposal_id = session.scalar(select(Proposal.id).order_by(Proposal.id))
        submitted = review.submit(session, purchaser, proposal_id,
                                  version=session.get(Proposal, proposal_id).version)
        session.commit()
        version = submitted.version
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def decide(decision: str) -> None:
        with factory() as session:
            barrier.wait()
            try:
                review.decide(session, finance, proposal_id, decision=decision,
                              version=version, comment="Décision concurrente")
                session.commit()
                outcomes.append("ok")
            except Conflict:
                session.rollback()
                outcomes.append("conflict")

    threads = [threading.Thread(target=decide, args=(d,)) for d in ("approved", "rejected")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    with factory() as session:
        assert verify_chain(session).ok
        decided = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.in_(("proposal.approved", "proposal.rejected"))))
    assert decided == 1


def test_a_background_import_publishes_its_progress_in_the_job_row_on_postgresql(
        factory: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    from procurement.models import Job
    from procurement.services import imports, jobs

    rows = "".join(f"Fournisseur {i % 300},{i % 991 + 1}.10,2024-05-{i % 28 + 1:02d},Achat\n"
                   for i in range(110_000))
    source = tmp_path / "mai.csv"
    source.write_text("Fournisseur,Montant,Date,Description\n" + rows, encoding="utf-8")
    seen: list[tuple[str | None, int | None]] = []
    real_import = imports.import_spend

    def observed(*args: Any, progress: Any, **kwargs: Any) -> Any:
        def observe(done: int, total: int) -> None:
            progress(done, total)
            with factory() as other:  # another request reading the row meanwhile
                job = other.get(Job, job_id)
                seen.append((job.phase, job.done))

        return real_import(*args, progress=observe, **kwargs)

    monkeypatch.setattr(imports, "import_spend", observed)
    with factory() as session:
        org = session.scalar(select(Organization).where(Organization.code == "51015"))
        clerk = actor_for(session.scalar(select(User).where(User.role == "purchaser")))
        clerk = type(clerk)(clerk.user_id, clerk.name, clerk.role, org.id)
        token = imports.stage_upload(tmp_path, clerk, source, "mai.csv")
        job_id = jobs.create_job(session, clerk, "import_spend", params={
            "token": token, "original_name": "mai.csv", "isolated": False,
            "ask_mapping": True}).id
        session.commit()
    runner = jobs.JobRunner(factory, instance=tmp_path, settings=ImportSettings(isolated=False),
                             progress_interval=0)
    thread = runner.start(job_id, clerk)
    assert thread is not None
    thread.join(timeout=120)
    with factory() as session:
        job = session.get(Job, job_id)
        assert job.status == "done", job.message
        assert job.result["lines"] == 110_000
    assert ("storing", 50_000) in seen and ("storing", 100_000) in seen


def test_three_simultaneous_imports_of_the_same_file_store_one_on_postgresql(
        factory: sessionmaker[Session], tmp_path: Path) -> None:
    path = tmp_path / "concurrent.csv"
    path.write_text("Date,Fournisseur,Description,Montant\n"
                    "2024-01-15,Entretien Concurrent,Entretien ménager,1200.50\n"
                    "2024-02-15,Traiteur Concurrent,Repas,350.00\n", encoding="utf-8")
    with factory() as session:
        org_id = session.scalar(select(Organization.id).where(Organization.code == "37067"))
    barrier = threading.Barrier(3)
    outcomes: list[Any] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            with factory() as session:
                org = session.get(Organization, org_id)
                assert org is not None
                outcomes.append(import_spend(session, SYSTEM, org, path, isolated=False,
                                             on_phase=lambda *_: barrier.wait(timeout=20)))
                session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(o.status for o in outcomes) == ["duplicate", "duplicate", "imported"]
    with factory() as session:
        lines = session.scalar(select(func.count()).select_from(PurchaseLine).where(
            PurchaseLine.supplier_name == "Entretien Concurrent"))
    assert lines == 1
