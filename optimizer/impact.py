"""Impact per dollar of a supplier: a weighted sum of its social impact scores."""

from __future__ import annotations

from collections.abc import Mapping

#: Dimensions every registry supplier is scored on, each in [0, 1].
DIMENSIONS = ("work_integration", "locality", "governance", "environment")

#: Default weights (sum 1): work integration first, then locality to the municipality.
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "work_integration": 0.35,
    "locality": 0.30,
    "governance": 0.20,
    "environment": 0.15,
}


def impact_per_dollar(
    scores: Mapping[str, float],
    weights: Mapping[str, float],
    locality_score: float | None = None,
) -> float:
    """Return Σ_d weight_d · score_d; ``locality_score`` overrides the supplier's own.

    A dimension without a weight counts zero; a weighted dimension the supplier has
    no score on counts zero too (unknown impact is not assumed).
    """
    merged = dict(scores)
    if locality_score is not None:
        merged["locality"] = locality_score
    return float(sum(w * float(merged.get(d, 0.0)) for d, w in sorted(weights.items())))


#: The dimensions in words, in English.
DIMENSIONS_EN: Mapping[str, str] = {
    "work_integration": "work integration",
    "locality": "locality",
    "governance": "democratic governance",
    "environment": "environment",
}


def impact_formula(weights: Mapping[str, float]) -> str:
    """Return the impact formula in words, e.g. for the proposal's header."""
    terms = " + ".join(
        f"{w:.2f} × {DIMENSIONS_EN.get(d, d)}"
        for d, w in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    return (
        f"impact points per dollar = {terms or '0'} (scores from 0 to 1; the locality "
        "score may be set per lot for the municipality concerned)"
    )


#: The dimensions as a Quebec finance officer reads them.
DIMENSIONS_FR: Mapping[str, str] = {
    "work_integration": "intégration au travail",
    "locality": "proximité",
    "governance": "gouvernance démocratique",
    "environment": "environnement",
}


def impact_formula_fr(weights: Mapping[str, float]) -> str:
    """Return the impact formula in Quebec French (decimal comma), like ``impact_formula``."""
    terms = " + ".join(
        f"{w:.2f}".replace(".", ",") + f" × {DIMENSIONS_FR.get(d, d)}"
        for d, w in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    return (
        f"points d'impact par dollar = {terms or '0'} (scores de 0 à 1; le score de "
        "proximité peut être fixé par lot pour la municipalité concernée)"
    )
