"""Township admin for the covenant and the ledger (thin: writes go through the services).

Ledger entries are never edited here: they are read, and proposed ones are
approved through ``review_entry`` (which refuses self-review and checks the
reviewer's village). Only a township administrator edits the covenant; rules and
entries are imported through ``import_rules`` and ``import_score_events``.
"""

from collections.abc import Iterable, Sequence

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from platform_core import admin_io
from platform_core.accounts.selectors import REVIEWER_ROLES
from platform_core.admin_site import (
    ReadOnlyAdmin,
    VillageScopedAdmin,
    holds,
    township_admin_site,
    viewer_of,
)
from platform_core.errors import PlatformError
from platform_core.scoring.imports import (
    EVENT_COLUMNS,
    RULE_COLUMNS,
    import_rules,
    import_score_events,
)
from platform_core.scoring.models import (
    Objection,
    RepairApplication,
    Rule,
    RuleSubjects,
    ScoreEvent,
)
from platform_core.scoring.selectors import is_overdue
from platform_core.scoring.services import applies_to_problem, basis_problem, review_entry

RULES_IMPORT = admin_io.Importer(
    "rules", lambda path, actor: import_rules(path, by=actor), RULE_COLUMNS
)
SCORE_EVENTS_IMPORT = admin_io.Importer(
    "score_events",
    lambda path, actor: import_score_events(path, operator=actor),
    EVENT_COLUMNS,
)

ENTRY_FIELDS = {
    "id": "id",
    "household_code": "household__code",
    "village": "household__village__code",
    "rule_code": "rule__code",
    "occurred_on": "occurred_on",
    "points": "points",
    "status": "status",
    "kind": "kind",
    "source": "source",
    "external_id": "external_id",
    "note": "note",
    "evidence": "evidence",
    "recorded_by": "recorded_by_label",
    "recorded_at": "recorded_at",
    "reviewed_by": "reviewed_by_label",
    "reviewed_at": "reviewed_at",
    "corrects": "corrects_id",
}


def entry_rows(queryset: QuerySet) -> Iterable[Sequence]:
    """The ledger's entries oldest first, by chunks (an export never sits in memory whole)."""
    return (
        queryset.order_by("occurred_on", "id")
        .values_list(*ENTRY_FIELDS.values())
        .iterator(chunk_size=admin_io.CHUNK)
    )


LEDGER_EXPORT = admin_io.Exporter("ledger", list(ENTRY_FIELDS), entry_rows)


class RuleForm(forms.ModelForm):
    """The rule admin's form: a deduction or an immediate rule without a legal basis is
    refused on the basis field, by the services' own check (``basis_problem``)."""

    class Meta:
        model = Rule
        fields = "__all__"  # noqa: DJ007 (the admin's own fields decide)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "applies_to" in self.fields:  # left out: households, as before
            self.fields["applies_to"].required = False

    def clean_applies_to(self) -> str:
        """Households unless chosen; never changed under recorded entries (they were
        recorded on subjects of the rule's kind: docs/subjects.md)."""
        chosen = self.cleaned_data.get("applies_to") or self.instance.applies_to
        chosen = chosen or RuleSubjects.HOUSEHOLDS
        if problem := applies_to_problem(self.instance, chosen):
            raise forms.ValidationError(problem)
        return chosen

    def clean(self):
        data = super().clean()
        problem = basis_problem(
            code=data.get("code") or self.instance.code,
            points=data.get("points"),
            basis=data.get("basis", ""),
            immediate=data.get("immediate", False),
        )
        if problem:
            self.add_error("basis", problem)
        return data


@admin.register(Rule, site=township_admin_site)
class RuleAdmin(VillageScopedAdmin):
    form = RuleForm
    list_display = [
        "code",
        "title_zh",
        "title_en",
        "category",
        "points",
        "needs_review",
        "basis",
        "applies_to",
        "plugin",
        "active",
    ]
    list_filter = ["applies_to", "category", "needs_review", "active", "plugin"]
    search_fields = ["code", "title_zh", "title_en"]
    readonly_fields = ["plugin", "updated_at"]
    importer = RULES_IMPORT

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the ledger keeps referring to its rules


@admin.register(ScoreEvent, site=township_admin_site)
class ScoreEventAdmin(ReadOnlyAdmin):
    """Append-only: nothing is added, changed or deleted here (the database refuses too)."""

    list_display = [
        "occurred_on",
        "household",
        "rule",
        "points",
        "status",
        "source",
        "recorded_by_label",
        "reviewed_by_label",
    ]
    list_filter = ["status", "source", "kind", "rule__category"]
    list_select_related = ["household", "rule"]
    search_fields = ["household__code", "external_id", "evidence"]
    date_hierarchy = "occurred_on"
    actions = ["approve_selected"]
    village_path = "household__village__code"
    workbench_url_name = "work:review"
    importer = SCORE_EVENTS_IMPORT
    exporter = LEDGER_EXPORT

    def has_review_permission(self, request):
        return holds(request, REVIEWER_ROLES)

    @admin.action(description=_("Approve selected proposed entries"), permissions=["review"])
    def approve_selected(self, request, queryset):
        reviewer, done = viewer_of(request).actor, 0
        for entry in queryset.filter(status="proposed"):
            try:
                review_entry(entry, reviewer=reviewer, approve=True)
                done += 1
            except PlatformError as exc:
                self.message_user(request, f"{entry.pk}: {exc}", messages.WARNING)
        self.message_user(request, gettext("%(count)d entries approved.") % {"count": done})


@admin.register(Objection, site=township_admin_site)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = [
        "entry",
        "status",
        "filed_by_label",
        "filed_at",
        "answer_due",
        "overdue",
        "escalated_at",
        "decided_by_label",
    ]
    list_filter = ["status", "answers_notice"]
    village_path = "entry__household__village__code"
    workbench_url_name = "work:objections"

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, obj) -> bool:
        return is_overdue(obj)


@admin.register(RepairApplication, site=township_admin_site)
class RepairApplicationAdmin(ReadOnlyAdmin):
    """Credit repair applications, read only: the council decides in the workbench."""

    list_display = [
        "entry",
        "action",
        "hours",
        "status",
        "applied_by_label",
        "applied_at",
        "decided_by_label",
        "decided_at",
    ]
    list_filter = ["status", "action"]
    search_fields = ["entry__household__code", "evidence", "decision_reason"]
    list_select_related = ["entry__household", "entry__rule"]
    village_path = "entry__household__village__code"
    workbench_url_name = "work:repairs"


# Covenant versions, their terms and caps (read, and recorded through adopt_covenant).
from platform_core.scoring import covenant_admin  # noqa: E402, F401
