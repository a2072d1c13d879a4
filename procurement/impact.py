"""Impact scores of a supplier per dimension, from registry facts (documented, overridable).

Scores are in [0, 1]. Impact per dollar = Σ_d weight_d · score_d (weights per scenario).
- work_integration: 1.0 for a work-integration enterprise (entreprise d'insertion, EA/ESAT,
  SIAE) or when the name/activity says so (insertion, réinsertion, intégration au travail,
  emploi adapté); 0.4 for other non-profits with a market activity, 0.2 otherwise.
- governance: 1.0 co-operative (democratic, one member one vote); 0.8 non-profit (APE,
  OBNL); 0.3 other forms.
- environment: 1.0 for re-use, recycling and environmental activities (réemploi,
  recyclage, ressourcerie, friperie, récupération, environnement); 0.3 otherwise.
- locality: per lot, from the supplier's place relative to the municipality
  (same municipality 1.0, same MRC 0.8, same region 0.6, same province 0.3, outside 0,
  unknown 0.1): `procurement.matching.locality.locality_score`, computed by the candidate
  pipeline.
A supplier's `score_overrides` (set by an administrator) replaces any of these.
"""

from __future__ import annotations

from typing import Any

from unidecode import unidecode

from procurement.matching.locality import LEVEL_SCORES

# One scale of locality for the whole engine (kept under this name for callers).
LOCALITY_SCORES = LEVEL_SCORES
WORK_INTEGRATION_WORDS = ("insertion", "integration au travail", "emploi adapte",
                          "entreprise adaptee", "esat", "siae", "reinsertion",
                          "plateau de travail", "employabilite")
ENVIRONMENT_WORDS = ("reemploi", "recycl", "ressourcerie", "friperie", "recuperation",
                     "environnement", "compost", "vrac", "3r", "reconditionn")


def _text(*parts: Any) -> str:
    return unidecode(" ".join(str(p) for p in parts if p)).lower()


def supplier_scores(*, name: str, activity: str | None, org_type: str | None,
                    legal_form: str | None, work_integration: bool,
                    overrides: dict[str, Any] | None = None) -> dict[str, float]:
    """Return the supplier's scores for the dimensions that do not depend on the lot."""
    text = _text(name, activity, org_type)
    form = _text(legal_form, org_type, name)
    if work_integration or any(word in text for word in WORK_INTEGRATION_WORDS):
        integration = 1.0
    elif "obnl" in form or "ape" in form.split() or "organisme" in form:
        integration = 0.4
    else:
        integration = 0.2
    if "coop" in form or form.strip() == "cop":
        governance = 1.0
    elif "obnl" in form or "ape" in form.split() or "association" in form or "ass" in form.split():
        governance = 0.8
    else:
        governance = 0.3
    environment = 1.0 if any(word in text for word in ENVIRONMENT_WORDS) else 0.3
    scores = {"work_integration": integration, "governance": governance,
              "environment": environment}
    for key, value in (overrides or {}).items():
        if key in scores or key not in {"premium_pct", "locality"}:
            scores[key] = float(value)
    return scores
