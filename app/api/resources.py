"""The API's blueprints, one per kind of object, in the order the documentation lists them."""

from __future__ import annotations

from app.api import (
    admin,
    audit,
    capabilities,
    imports,
    jobs,
    lines,
    matches,
    proposals,
    registry,
    scenarios,
)

BLUEPRINTS = [
    admin.me,
    imports.blp,
    jobs.blp,
    lines.blp,
    matches.blp,
    capabilities.blp,
    registry.suppliers,
    registry.categories,
    scenarios.blp,
    proposals.blp,
    audit.blp,
    admin.users,
    admin.profiles,
]
