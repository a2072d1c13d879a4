"""Matching: spending -> categories, suppliers -> registry, categories -> eligible suppliers.

Pure functions on pandas frames and plain data: no Flask, no database.
"""

from .capabilities import (
    AWARD_EVIDENCE,
    EVIDENCE_KINDS,
    award_eligible,
    non_supplier_reason,
)
from .categorize import (
    HIGH_CONFIDENCE,
    MEDIUM_CONFIDENCE,
    METHODS,
    Rule,
    categorize,
    categorize_lines,
    confidence_band,
    normalize_key,
)
from .eligibility import eligible_candidates
from .evaluate import (
    capability_label_columns,
    default_labels_dir,
    evaluate_capabilities,
    evaluate_categories,
    evaluate_incumbents,
    incumbent_predictions,
    load_labels,
)
from .incumbents import AUTO_THRESHOLD, REVIEW_THRESHOLD, match_incumbents
from .locality import (
    LEVELS,
    Municipality,
    MunicipalityDirectory,
    distance_km,
    locality_score,
    municipality_key,
)
from .normalize import (
    company_key,
    normalize_company_name,
    normalize_identifier,
    normalize_text,
)
from .opportunities import unmet_needs
from .registry_frame import REGISTRY_COLUMNS, load_registry_frames
from .supplier_categories import categories_by_supplier, infer_supplier_categories
from .taxonomy import Category, Taxonomy, load_taxonomy

__all__ = [
    "AUTO_THRESHOLD",
    "AWARD_EVIDENCE",
    "EVIDENCE_KINDS",
    "HIGH_CONFIDENCE",
    "LEVELS",
    "MEDIUM_CONFIDENCE",
    "METHODS",
    "REGISTRY_COLUMNS",
    "REVIEW_THRESHOLD",
    "Category",
    "Municipality",
    "MunicipalityDirectory",
    "Rule",
    "Taxonomy",
    "award_eligible",
    "capability_label_columns",
    "categories_by_supplier",
    "categorize",
    "categorize_lines",
    "company_key",
    "confidence_band",
    "default_labels_dir",
    "distance_km",
    "eligible_candidates",
    "evaluate_capabilities",
    "evaluate_categories",
    "evaluate_incumbents",
    "incumbent_predictions",
    "infer_supplier_categories",
    "load_labels",
    "load_registry_frames",
    "load_taxonomy",
    "locality_score",
    "match_incumbents",
    "municipality_key",
    "non_supplier_reason",
    "normalize_company_name",
    "normalize_identifier",
    "normalize_key",
    "normalize_text",
    "unmet_needs",
]
