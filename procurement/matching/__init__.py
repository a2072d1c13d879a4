"""Matching: spending -> categories, suppliers -> registry, categories -> eligible suppliers.

Pure functions on pandas frames and plain data: no Flask, no database.
"""

from .capabilities import (
    AWARD_EVIDENCE,
    award_eligible,
    categories_by_supplier,
    infer_supplier_categories,
    non_supplier_reason,
)
from .categorize import (
    HIGH_CONFIDENCE,
    INPUT_COLUMNS,
    MEDIUM_CONFIDENCE,
    METHODS,
    Rule,
    categorize,
    categorize_lines,
    confidence_band,
    distinct_rows,
    normalize_key,
)
from .eligibility import (
    DEFAULT_MIN_CONFIDENCE,
    DEFAULT_MIN_EVIDENCE,
    EVIDENCE_LEVELS,
    CandidateRules,
    Candidates,
    candidate_pipeline,
    directory_frame,
    evidence_meets,
    locality_levels,
    municipality_codes,
    serving_suppliers,
)
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
from .taxonomy import Category, Taxonomy, load_taxonomy

__all__ = [
    "AUTO_THRESHOLD",
    "AWARD_EVIDENCE",
    "DEFAULT_MIN_CONFIDENCE",
    "DEFAULT_MIN_EVIDENCE",
    "EVIDENCE_LEVELS",
    "HIGH_CONFIDENCE",
    "INPUT_COLUMNS",
    "LEVELS",
    "MEDIUM_CONFIDENCE",
    "METHODS",
    "REGISTRY_COLUMNS",
    "REVIEW_THRESHOLD",
    "CandidateRules",
    "Candidates",
    "Category",
    "Municipality",
    "MunicipalityDirectory",
    "Rule",
    "Taxonomy",
    "award_eligible",
    "candidate_pipeline",
    "capability_label_columns",
    "categories_by_supplier",
    "categorize",
    "categorize_lines",
    "company_key",
    "confidence_band",
    "default_labels_dir",
    "directory_frame",
    "distance_km",
    "distinct_rows",
    "evaluate_capabilities",
    "evaluate_categories",
    "evaluate_incumbents",
    "evidence_meets",
    "incumbent_predictions",
    "infer_supplier_categories",
    "load_labels",
    "load_registry_frames",
    "load_taxonomy",
    "locality_levels",
    "locality_score",
    "match_incumbents",
    "municipality_codes",
    "municipality_key",
    "non_supplier_reason",
    "normalize_company_name",
    "normalize_identifier",
    "normalize_key",
    "normalize_text",
    "serving_suppliers",
    "unmet_needs",
]
