"""Who may do what: roles, permissions, and the acting user passed to every service."""

from __future__ import annotations

from dataclasses import dataclass

from procurement.errors import PermissionDenied

ROLES = ("purchaser", "finance", "auditor", "admin")

# One table decides every authorization; views and services only name the permission.
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset(ROLES),
    "export": frozenset(ROLES),
    "import": frozenset({"purchaser", "admin"}),
    "match.correct": frozenset({"purchaser", "admin"}),
    "capability.decide": frozenset({"purchaser", "admin"}),
    "scenario.run": frozenset({"purchaser", "admin"}),
    "proposal.submit": frozenset({"purchaser", "admin"}),
    "proposal.decide": frozenset({"finance"}),
    "registry.edit": frozenset({"admin"}),
    "profile.edit": frozenset({"admin"}),
    "users.manage": frozenset({"admin"}),
    "audit.read": frozenset({"auditor", "admin"}),
}


@dataclass(frozen=True)
class Actor:
    """The person (or script) acting, and the municipality they act for."""

    user_id: int | None
    name: str
    role: str
    organization_id: int | None
    system: bool = False  # the command line, acting for any municipality it names

    def can(self, permission: str) -> bool:
        """Tell whether this actor's role grants `permission`."""
        return self.role in PERMISSIONS[permission]

    def require(self, permission: str) -> None:
        """Raise PermissionDenied unless this actor's role grants `permission`."""
        if not self.can(permission):
            raise PermissionDenied(
                f"Your role ({self.role}) does not allow this action ({permission}).",
                reason="role_forbids", params={"role": self.role, "permission": permission},
            )


SYSTEM = Actor(user_id=None, name="system (command line)", role="admin", organization_id=None,
               system=True)
