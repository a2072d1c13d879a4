"""Build real ORM objects for tests: municipalities, accounts, tokens, proposals, imports."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from procurement.audit import record_event
from procurement.models import (
    Allocation,
    ImportBatch,
    IncumbentMatch,
    Lot,
    Organization,
    Proposal,
    PurchaseLine,
    Scenario,
    Supplier,
    User,
)
from procurement.users import actor_for, hash_password, issue_token

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


@lru_cache(maxsize=1)
def password_hash() -> str:
    """Hash the test password once (argon2 is slow on purpose)."""
    return hash_password(PASSWORD)


def make_org(session: Session, code: str, name: str, **values: Any) -> Organization:
    """Create a municipality."""
    org = Organization(code=code, name=name, **values)
    session.add(org)
    session.flush()
    return org


def make_user(
    session: Session, org: Organization | None, role: str, email: str | None = None, **values: Any
) -> User:
    """Create an active account with the test password."""
    number = next(_sequence)
    org_code = org.code if org is not None else "none"
    user = User(
        email=email or f"{role}{number}@{org_code}.example.org",
        name=values.pop("name", f"{role.title()} {number}"),
        role=role,
        organization_id=org.id if org is not None else None,
        password_hash=password_hash(),
        **values,
    )
    session.add(user)
    session.flush()
    return user


def make_token(session: Session, user: User, name: str = "tests") -> str:
    """Issue an API token for `user` (as the user) and return its clear value."""
    return issue_token(session, actor_for(user), user, name)


def make_supplier(session: Session, name: str, **values: Any) -> Supplier:
    """Create a registry supplier."""
    supplier = Supplier(name=name, normalized_name=name.lower(), **values)
    session.add(supplier)
    session.flush()
    return supplier


def make_import(
    session: Session,
    org: Organization,
    user: User | None,
    lines: list[tuple[str, str, str]],
    file_name: str = "depenses.csv",
) -> ImportBatch:
    """Create an imported spending file with lines (supplier, description, amount)."""
    number = next(_sequence)
    batch = ImportBatch(
        organization_id=org.id,
        kind="spend",
        status="imported",
        file_name=file_name,
        file_hash=f"{number:064x}",
        content_hash=f"{number:064x}",
        rows_read=len(lines),
        lines=len(lines),
        total=sum((Decimal(a) for _, _, a in lines), Decimal("0")),
        currency=org.currency or "CAD",
        created_by_id=user.id if user else None,
        issues=[
            {
                "sheet": None,
                "row": 3,
                "column": "Montant",
                "value": "abc",
                "code": "invalid_amount",
                "text": "Ligne %(row)s, colonne « %(column)s » : « %(value)s » n'est pas un "
                        "montant ; un nombre comme 1 234,56 ou 1,234.56 est attendu",
                "params": {"row": 3, "column": "Montant", "value": "abc"},
                "severity": "warning",
            }
        ],
        issue_counts={"invalid_amount": 1},
    )
    session.add(batch)
    session.flush()
    for row, (supplier, description, amount) in enumerate(lines, start=2):
        session.add(
            PurchaseLine(
                organization_id=org.id,
                import_id=batch.id,
                source_row=row,
                date=dt.date(2024, 1, 1) + dt.timedelta(days=row),
                supplier_name=supplier,
                description=description,
                expense_category=description,
                amount=Decimal(amount),
                currency=org.currency or "CAD",
                category_code="entretien_menager",
            )
        )
    session.flush()
    return batch


def make_incumbent_match(
    session: Session,
    org: Organization,
    supplier_name: str,
    supplier: Supplier | None,
    status: str = "pending",
) -> IncumbentMatch:
    """Create an incumbent match waiting for (or past) a person's decision."""
    match = IncumbentMatch(
        organization_id=org.id,
        supplier_name=supplier_name,
        supplier_ref="",
        supplier_id=supplier.id if supplier else None,
        confidence=0.8,
        method="fuzzy",
        reason="similar name",
        status=status,
    )
    session.add(match)
    session.flush()
    return match


def make_proposal(
    session: Session,
    org: Organization,
    author: User | None,
    *,
    status: str = "draft",
    suppliers: list[Supplier] | None = None,
    value: str = "90000.00",
    record: bool = True,
) -> Proposal:
    """Create a proposal with one lot split between suppliers and the market."""
    scenario = Scenario(
        organization_id=org.id,
        name="Test scenario",
        params={},
        created_by_id=author.id if author else None,
    )
    session.add(scenario)
    session.flush()
    proposal = Proposal(
        organization_id=org.id,
        scenario_id=scenario.id,
        status=status,
        solver_status="optimal",
        solver="cbc",
        mode="divisible",
        objective=1.5,
        gap=0.0,
        currency=org.currency or "CAD",
        total_value=Decimal(value),
        kpis={"social_economy_share_before": 0.1, "social_economy_share_after": 0.4},
        binding=[{"constraint": "budget", "explanation": "The budget binds."}],
        formula="0.35 × work integration",
        created_by_id=author.id if author else None,
        submitted_at=dt.datetime.now(dt.UTC) if status != "draft" else None,
    )
    session.add(proposal)
    session.flush()
    lot = Lot(
        proposal_id=proposal.id,
        key="cat:entretien_menager",
        category_code="entretien_menager",
        label="Entretien ménager",
        value=Decimal(value),
        band="invitation",
        line_count=3,
        status_quo_se_value=Decimal("0.00"),
    )
    session.add(lot)
    session.flush()
    pieces = [*(suppliers or []), None]
    share = (Decimal(value) / len(pieces)).quantize(Decimal("0.01"))
    for index, supplier in enumerate(pieces):
        amount = share if index < len(pieces) - 1 else Decimal(value) - share * (len(pieces) - 1)
        session.add(
            Allocation(
                proposal_id=proposal.id,
                lot_id=lot.id,
                supplier_id=supplier.id if supplier else None,
                amount=amount,
                route="invitation" if supplier else "market",
                impact_per_dollar=0.5 if supplier else 0.1,
            )
        )
    session.flush()
    if record:
        record_event(
            session,
            actor=author.email if author else "tests",
            action="proposal.created",
            object_type="proposal",
            object_id=proposal.id,
            organization_id=org.id,
            after={"status": status},
        )
    return proposal


def said(issue: Any, lang: str = "en") -> str:
    """Say an import issue or a refused file's error as a person reads it in `lang`."""
    from babel.support import NullTranslations, Translations

    from app.i18n import TRANSLATIONS, translation_directory
    from app.messages import cli_issue_message

    data = issue.to_dict() if hasattr(issue, "to_dict") else (
        {"code": issue.code, "text": issue.text, "params": dict(issue.params)}
        if hasattr(issue, "text") else issue)
    if lang == "fr":
        return cli_issue_message(data, "fr", NullTranslations().gettext)
    try:
        folder = translation_directory(None)
    except OSError:
        folder = TRANSLATIONS
    return cli_issue_message(data, "en", Translations.load(str(folder), ["en"]).gettext)
