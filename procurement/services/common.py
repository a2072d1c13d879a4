"""Small helpers shared by the use cases: money conversions and tenant-scoped lookups."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.errors import NotFound
from procurement.models import Organization
from procurement.permissions import Actor

CENT = Decimal("0.01")
MAX_ID = 2**31 - 1
T = TypeVar("T")


def cents_to_decimal(cents: int) -> Decimal:
    """Convert integer cents to a 2-decimal Decimal."""
    return (Decimal(int(cents)) / 100).quantize(CENT)


def decimal_to_cents(amount: Decimal | float | int | str) -> int:
    """Convert an amount to integer cents, rounding half to even."""
    return int((Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def money(amount: Decimal | int | float | None) -> str:
    """Render money as the contract's decimal string with two decimals."""
    return f"{Decimal(str(amount or 0)).quantize(CENT):.2f}"


def organization_by_code(session: Session, code: str) -> Organization:
    """Return the municipality with `code`, or NotFound with a hint."""
    org = session.scalar(select(Organization).where(Organization.code == str(code).strip()))
    if org is None:
        raise NotFound(
            f"No municipality with code {code!r}. Use the MAMH code (e.g. 37067 for "
            "Trois-Rivières); `procure init` loads the municipalities.",
            reason="unknown_municipality", params={"code": str(code)},
        )
    return org


def scope_of(actor: Actor) -> int | None:
    """Return the municipality the actor may see; only the command line sees them all."""
    if actor.organization_id is not None:
        return actor.organization_id
    if actor.system:
        return None
    raise NotFound("Your account is not attached to a municipality.", reason="no_municipality")


def get_owned(session: Session, model: type[T], object_id: Any, organization_id: int | None,
              *, options: Sequence[Any] = ()) -> T:
    """Fetch an object of the actor's municipality; another municipality's answers NotFound.

    `options`: loader options (its relations read with it, not one by one afterwards).
    """
    if isinstance(object_id, int) and not 0 < object_id <= MAX_ID:
        raise NotFound(f"{model.__name__} {object_id} was not found.",  # beyond any id column
                       reason="object_not_found",
                       params={"object": model.__name__, "id": object_id})
    obj = session.get(model, object_id, options=options)
    if obj is None or (
        organization_id is not None and getattr(obj, "organization_id", None) != organization_id
    ):
        raise NotFound(f"{model.__name__} {object_id} was not found.",
                       reason="object_not_found",
                       params={"object": model.__name__, "id": object_id})
    return obj
