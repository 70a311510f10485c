"""Grid workers and village staff record entries: one household (or merchant or firm),
or one rule for many households."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from platform_core.accounts.selectors import STAFF_ROLES
from platform_core.errors import PlatformError
from platform_core.households.models import Grid, Village
from platform_core.scoring.evidence import record_with_photos
from platform_core.scoring.models import Rule, RuleSubjects
from platform_core.workbench.access import workbench_page
from platform_core.workbench.forms import DateInput, PhotoField, WorkbenchForm, submit
from platform_core.workbench.menu import menu_for
from platform_core.workbench.selectors import staff_subjects, subject_page
from platform_core.workbench.views.households import staff_households

SOURCE = "workbench"
POINTS_LIMIT = 1000  # the same bound as the ledger import


class RuleChoice(forms.ModelChoiceField):
    def label_from_instance(self, rule: Rule) -> str:
        title = rule.title_en if (translation_is_english()) else rule.title_zh
        label = f"{rule.code} {title} ({rule.points:+d})"
        if rule.applies_to == RuleSubjects.ENTERPRISES:
            return _("%(rule)s, merchants and firms") % {"rule": label}
        return label


def translation_is_english() -> bool:
    from django.utils.translation import get_language

    return not (get_language() or "").startswith("zh")


class EntryFields(WorkbenchForm):
    """What every entry needs: rule, date, evidence; points default to the rule's."""

    rule = RuleChoice(queryset=Rule.objects.none(), label=gettext_lazy("Rule"))
    occurred_on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput())
    evidence = forms.CharField(
        label=gettext_lazy("Evidence"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What was seen, or which document shows it."),
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=2000, required=False)
    photo = PhotoField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Households' rules: merchants and firms are scored under their own covenant.
        self.fields["rule"].queryset = Rule.objects.filter(
            active=True, applies_to=RuleSubjects.HOUSEHOLDS
        ).order_by("category", "code")
        self.initial.setdefault("occurred_on", timezone.localdate())

    def clean_occurred_on(self):
        value = self.cleaned_data["occurred_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("%(date)s is in the future.") % {"date": value})
        return value


class RecordForm(EntryFields):
    household = forms.CharField(
        label=gettext_lazy("Household, merchant or firm code"),
        max_length=32,
        help_text=gettext_lazy("A merchant or firm is recorded under the merchants' rules."),
    )
    points = forms.IntegerField(
        label=gettext_lazy("Points"),
        required=False,
        min_value=-POINTS_LIMIT,
        max_value=POINTS_LIMIT,
        help_text=gettext_lazy("Leave empty for the rule's points; the sign must be the rule's."),
    )
    # The formal finding, for rules that need one (unreasonable petitions).
    finding_authority = forms.CharField(
        label=gettext_lazy("Finding: authority"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Only for rules recorded on a formal finding (petitions)."),
    )
    finding_document = forms.CharField(
        label=gettext_lazy("Finding: document number"), max_length=100, required=False
    )
    found_on = forms.DateField(
        label=gettext_lazy("Finding: date"),
        required=False,
        widget=DateInput(),
    )
    warned_on = forms.DateField(
        label=gettext_lazy("Petitioner warned on"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("The advance warning comes before the finding."),
    )
    warning = forms.CharField(
        label=gettext_lazy("How the petitioner was warned"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    field_order = [
        "household",
        "rule",
        "occurred_on",
        "points",
        "evidence",
        "note",
        "photo",
        "finding_authority",
        "finding_document",
        "found_on",
        "warned_on",
        "warning",
    ]

    def __init__(self, *args, viewer, **kwargs):
        self.viewer = viewer
        super().__init__(*args, **kwargs)
        # Both covenants: which rule fits which subject is ``record_entry``'s check
        # (``rule_subject_problem``), shown at the rule field.
        self.fields["rule"].queryset = Rule.objects.filter(active=True).order_by(
            "applies_to", "category", "code"
        )

    def finding(self) -> dict | None:
        """The formal finding typed in (None: none); the ledger service checks it."""
        data = self.cleaned_data
        values = {
            "authority": data.get("finding_authority") or "",
            "document_number": data.get("finding_document") or "",
            "found_on": data.get("found_on"),
            "warned_on": data.get("warned_on"),
            "warning": data.get("warning") or "",
        }
        return values if any(values.values()) else None

    def clean_household(self):
        code = self.cleaned_data["household"].strip()
        household = staff_subjects(self.viewer).filter(code=code).first()
        if household is None:  # unknown, or in a village that is not the viewer's: same answer
            raise forms.ValidationError(
                _("No household, merchant or firm %(code)s in your villages.") % {"code": code}
            )
        return household


@workbench_page(STAFF_ROLES)
def record(request):
    viewer = request.viewer
    initial = {"household": request.GET.get("household", "")[:32]}
    form = RecordForm(request.POST or None, request.FILES or None, viewer=viewer, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household = data["household"]
        done = submit(
            request,
            form,
            lambda: record_with_photos(
                household=household,
                rule=data["rule"],
                occurred_on=data["occurred_on"],
                points=data["points"],
                evidence=data["evidence"],
                note=data["note"],
                recorder=viewer.actor,
                source=SOURCE,
                external_id=f"wb-{data['submission']}" if data["submission"] else None,
                photos=[data["photo"]] if data["photo"] else [],
                finding=form.finding(),
            ),
            lambda entry: subject_page(entry.household) + f"#entry-{entry.pk}",
        )
        if done is not None:
            return done
    context = {"form": form, "menu": menu_for(viewer, request.township)}
    return render(request, "workbench/record.html", context, status=400 if form.errors else 200)


class RoundForm(EntryFields):
    """One rule for many households of one village (an inspection round)."""

    households = forms.MultipleChoiceField(
        label=gettext_lazy("Households"), widget=forms.CheckboxSelectMultiple
    )
    field_order = ["rule", "occurred_on", "evidence", "note", "photo", "households"]

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["households"].choices = choices


@workbench_page(STAFF_ROLES)
def record_round(request):
    """Pick a village (and grid), tick households, record one rule for all of them."""
    viewer = request.viewer
    villages = _villages(viewer)
    village = villages.filter(code=request.GET.get("village") or "").first() or villages.first()
    grids = (
        Grid.objects.filter(village=village).order_by("name") if village else Grid.objects.none()
    )
    grid = grids.filter(pk=_int(request.GET.get("grid"))).first()
    candidates = staff_households(viewer).filter(village=village)
    if grid is not None:
        candidates = candidates.filter(grid=grid)
    by_code = {h.code: h for h in candidates}
    choices = [(code, f"{code} {h.head_name}") for code, h in by_code.items()]
    form = RoundForm(request.POST or None, request.FILES or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = [by_code[code] for code in data["households"]]
        done = submit(
            request,
            form,
            lambda: _record_all(viewer, chosen, data),
            lambda entries: (
                reverse("work:record-round") + f"?village={village.code}&recorded={len(entries)}"
            ),
        )
        if done is not None:
            return done
    context = {
        "form": form,
        "villages": villages,
        "village": village,
        "grids": grids,
        "grid": grid,
        "recorded": _int(request.GET.get("recorded")),
        "menu": menu_for(viewer, request.township),
    }
    return render(
        request, "workbench/record_round.html", context, status=400 if form.errors else 200
    )


def _record_all(viewer, households, data) -> list:
    """Every household or none: the first refusal names its household and stops the round."""
    entries = []
    with transaction.atomic():
        for household in households:
            try:
                entries.append(
                    record_with_photos(
                        household=household,
                        rule=data["rule"],
                        occurred_on=data["occurred_on"],
                        evidence=data["evidence"],
                        note=data["note"],
                        recorder=viewer.actor,
                        source=SOURCE,
                        external_id=f"wb-{data['submission']}-{household.code}"
                        if data["submission"]
                        else None,
                        photos=[data["photo"]] if data["photo"] else [],
                    )
                )
            except PlatformError as error:
                raise PlatformError(
                    _("%(household)s: %(problem)s")
                    % {"household": household.code, "problem": error},
                    field="households",
                ) from None
    return entries


def _villages(viewer):
    codes = viewer.villages(STAFF_ROLES)
    villages = Village.objects.order_by("code")
    return villages if codes is None else villages.filter(code__in=sorted(codes))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
