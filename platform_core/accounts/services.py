"""Granting roles. Django permissions are global, so every township page also
checks a membership in *that* township (see platform_core.admin_site)."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from platform_core.accounts.models import Membership, Role

# Django apps whose records a township administrator manages in the township admin.
TOWNSHIP_ADMIN_APPS = ["households", "scoring", "evaluation", "publication", "alliance"]
TOWNSHIP_ADMIN_GROUP = "township administrators"


def township_admin_group() -> Group:
    """The group holding township administrators' permissions, kept in step with the apps."""
    group, _ = Group.objects.get_or_create(name=TOWNSHIP_ADMIN_GROUP)
    from platform_core.admin_site import plugin_app_labels

    labels = [*TOWNSHIP_ADMIN_APPS, *plugin_app_labels()]  # plugin pages open only if enabled
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=labels))
    return group


def grant_role(user, township, role: str, village_code: str = "") -> Membership:
    """Give ``user`` a ``role`` in ``township`` (idempotent)."""
    membership, _ = Membership.objects.get_or_create(
        user=user, township=township, role=role, village_code=village_code
    )
    if role == Role.TOWNSHIP_ADMIN:
        user.groups.add(township_admin_group())
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
    return membership
