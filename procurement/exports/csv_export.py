"""CSV export of a proposal's allocations (UTF-8 with BOM so Excel opens accents right)."""

from __future__ import annotations

from decimal import Decimal

from procurement.exports.cells import csv_document
from procurement.exports.rows import allocation_rows, headers
from procurement.models import Proposal

CENT = Decimal("0.01")


def proposal_csv(proposal: Proposal, lang: str = "fr") -> bytes:
    """Render the allocations as CSV bytes in one language; money with two decimals, a dot."""
    rows = allocation_rows(proposal, lang)
    for row in rows:
        row[2] = Decimal(row[2]).quantize(CENT)
        row[6] = Decimal(row[6]).quantize(CENT)
    return csv_document(headers(lang), rows)
