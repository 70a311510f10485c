"""Selection rounds, nominations, votes and objections in the township admin.

Read-only: every step is a service (the workbench's round page), so that roles,
separation of duties and the posting period hold whichever way a change comes in.
"""

from django.contrib import admin

from plugins.selections.models import Nomination, Objection, SelectionRound, Vote
from township_integrity.admin import ReadOnlyAdmin, township_admin_site
from township_integrity.roles import Role


@admin.register(SelectionRound, site=township_admin_site)
class SelectionRoundAdmin(ReadOnlyAdmin):
    list_display = ["year", "category", "status", "places", "posted_on", "posting_ends_on"]
    list_filter = ["status", "category", "year"]
    list_select_related = ["rule"]
    workbench_url_name = "work:selections:rounds"


@admin.register(Nomination, site=township_admin_site)
class NominationAdmin(ReadOnlyAdmin):
    list_display = ["round", "village", "household", "tier_at_nomination", "selected"]
    list_filter = ["selected", "round"]
    list_select_related = ["round", "village", "household"]
    search_fields = ["household__code"]
    village_path = "village__code"
    workbench_url_name = "work:selections:rounds"


@admin.register(Vote, site=township_admin_site)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["nomination", "voter_label", "in_favour", "cast_at"]
    list_select_related = ["nomination__round", "nomination__household"]
    village_path = "nomination__village__code"


@admin.register(Objection, site=township_admin_site)
class ObjectionAdmin(ReadOnlyAdmin):
    # The objectors' names and phones: for the council who decides and the township's
    # administrators, not for the committee whose nomination is objected to.
    view_roles = (Role.COUNCIL_MEMBER, Role.TOWNSHIP_ADMIN)
    list_display = ["nomination", "objector_name", "status", "received_at", "decided_by_label"]
    list_filter = ["status"]
    list_select_related = ["nomination__round", "nomination__household"]
    village_path = "nomination__village__code"
    workbench_url_name = "work:selections:rounds"
