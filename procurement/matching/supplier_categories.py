"""Supplier -> categories it can supply: kept for callers; the rules live in `capabilities`."""

from __future__ import annotations

from .capabilities import (
    AWARD_EVIDENCE,
    OUTPUT_COLUMNS,
    categories_by_supplier,
    infer_supplier_categories,
    non_supplier_reason,
)

__all__ = [
    "AWARD_EVIDENCE",
    "OUTPUT_COLUMNS",
    "categories_by_supplier",
    "infer_supplier_categories",
    "non_supplier_reason",
]
