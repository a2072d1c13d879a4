"""CSV export of a proposal's allocations (UTF-8 with BOM so Excel opens accents right)."""

from __future__ import annotations

import csv
import io

from procurement.exports.rows import HEADERS, allocation_rows
from procurement.models import Proposal


def proposal_csv(proposal: Proposal) -> bytes:
    """Render the allocations as CSV bytes; money with two decimals and a dot."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in allocation_rows(proposal):
        row[2] = f"{row[2]:.2f}"
        row[6] = f"{row[6]:.2f}"
        writer.writerow(row)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
