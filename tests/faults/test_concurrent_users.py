"""Two clerks importing and two finance reviewers deciding at the same time.

Each import stores all of its own lines and nothing of the other's; exactly one of two
decisions on the same version of a proposal wins, the other is told of the conflict; the
audit chain stays whole. Runs on SQLite, and on PostgreSQL with PROCURE_TEST_DATABASE.
"""

from __future__ import annotations

import sys
import threading
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for `factories`

import factories

from procurement.audit import verify_chain
from procurement.db import cents_sum
from procurement.errors import Conflict
from procurement.models import AuditEvent, ImportBatch, Job, Proposal, PurchaseLine
from procurement.services import imports, jobs, review
from procurement.users import actor_for


def month(path: Path, rows: int, supplier: str) -> Decimal:
    """Write a spending file of `rows` lines from `supplier`; return its total."""
    total = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("Fournisseur,Montant,Date,Description\n")
        for i in range(rows):
            cents = (i % 613 + 1) * 100 + 7
            total += cents
            out.write(f"{supplier} {i % 40},{cents // 100}.{cents % 100:02d},"
                      f"2024-05-{i % 28 + 1:02d},Achat {i % 30}\n")
    return Decimal(total) / 100


def test_two_imports_and_two_decisions_at_the_same_time_all_end_correct(
        factory: sessionmaker[Session], tmp_path: Path) -> None:
    with factory() as session:
        towns = [factories.make_org(session, "37067", "Trois-Rivières", currency="CAD"),
                 factories.make_org(session, "10043", "Rimouski", currency="CAD")]
        clerks = [actor_for(factories.make_user(session, town, "purchaser")) for town in towns]
        author = factories.make_user(session, towns[0], "purchaser", email="auteur@example.org")
        reviewers = [actor_for(factories.make_user(session, towns[0], "finance",
                                                   email=f"finance{n}@example.org"))
                     for n in (1, 2)]
        supplier = factories.make_supplier(session, "Coop de nettoyage Mauricie")
        proposal_id = factories.make_proposal(session, towns[0], author, status="submitted",
                                              suppliers=[supplier]).id
        session.commit()
        version = session.get(Proposal, proposal_id).version
    expected, job_ids = [], []
    for n, (clerk, name) in enumerate(zip(clerks, ("Alpha", "Zeta"), strict=True)):
        source = tmp_path / f"mois-{n}.csv"
        expected.append((20_000 + n * 5_000, month(source, 20_000 + n * 5_000, name)))
        token = imports.stage_upload(tmp_path, clerk, source, source.name)
        with factory() as session:
            job_ids.append(jobs.create_job(session, clerk, "import_spend", params={
                "token": token, "original_name": source.name, "isolated": False}).id)
            session.commit()

    # Parsed in this process, as in the other job tests (the isolated parser has its own).
    runner = jobs.JobRunner(factory, instance=tmp_path,
                            settings=imports.ImportSettings(isolated=False))
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def run_import(job_id: int) -> None:
        barrier.wait()
        runner.run(job_id)

    def decide(reviewer: object, decision: str) -> None:
        with factory() as session:
            barrier.wait()
            try:
                review.decide(session, reviewer, proposal_id,  # type: ignore[arg-type]
                              decision=decision, version=version, comment="En même temps")
                session.commit()
                outcomes.append(decision)
            except Conflict:
                session.rollback()
                outcomes.append("conflict")

    threads = [threading.Thread(target=run_import, args=(job_id,)) for job_id in job_ids]
    threads += [threading.Thread(target=decide, args=(reviewer, decision))
                for reviewer, decision in zip(reviewers, ("approved", "rejected"), strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
        assert not thread.is_alive()

    assert sorted(outcomes) in (["approved", "conflict"], ["conflict", "rejected"])
    with factory() as session:
        for job_id, town, (rows, total) in zip(job_ids, towns, expected, strict=True):
            job = session.get(Job, job_id)
            assert job.status == "done", job.message
            count, cents = session.execute(select(func.count(), cents_sum(PurchaseLine.amount))
                                           .where(PurchaseLine.organization_id == town.id)).one()
            assert (count, Decimal(int(cents)) / 100) == (rows, total)
            assert session.scalar(select(func.count()).select_from(ImportBatch).where(
                ImportBatch.organization_id == town.id, ImportBatch.status == "imported")) == 1
        proposal = session.get(Proposal, proposal_id)
        winner = next(outcome for outcome in outcomes if outcome != "conflict")
        assert proposal.status == winner
        assert proposal.version == version + 1
        decided = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.in_(("proposal.approved", "proposal.rejected"))))
        assert decided == 1
        assert verify_chain(session).ok
