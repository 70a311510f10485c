"""Role names, and the groups of them the platform's own checks use.

    from township_integrity.roles import Role, STAFF_ROLES

``Role`` values are what ``require_role`` and ``viewer.has`` take and what a
``WorkbenchScreen`` lists in ``roles``.
"""

from platform_core.accounts.models import Role
from platform_core.accounts.selectors import ADMIN_ROLES, REVIEWER_ROLES, STAFF_ROLES

__all__ = ["ADMIN_ROLES", "REVIEWER_ROLES", "STAFF_ROLES", "Role"]
