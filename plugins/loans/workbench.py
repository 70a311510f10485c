"""The bank clerk's workbench screen: loan applications awaiting their bank's decision.

Written as a third party would write it: Django, the public ``township_integrity``
API and this plugin's own services. A clerk sees and decides only their own
bank's applications (a township administrator every bank's), never one they
filed; the decision is the ``decide`` service the API's mutation calls.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plugins.loans.models import CreditLine, LoanApplication
from plugins.loans.selectors import bank_applications, decision_queue
from plugins.loans.services import BANK_ROLES, EVERY_BANK_ROLES, decide
from township_integrity import WorkbenchScreen
from township_integrity.workbench import WorkbenchForm, mask_name, page_of, render_page, submit

RECENTLY_DECIDED = 10


def deciding_banks(viewer) -> set[str] | None:
    """Codes of the banks whose applications ``viewer`` decides; None: every bank."""
    if viewer.villages(EVERY_BANK_ROLES) is None:
        return None
    return set(viewer.institution_codes)


def queue(viewer):
    """What waits for the viewer's decision (the list and the home page's count)."""
    user_id = viewer.user.pk if viewer.user is not None else None
    return decision_queue(deciding_banks(viewer), decider_id=user_id)


def waiting(viewer) -> int:
    return queue(viewer).count()


class DecisionForm(WorkbenchForm):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("approve", gettext_lazy("Approve: open a credit line")),
            ("reject", gettext_lazy("Decline")),
        ],
        widget=forms.RadioSelect,
    )
    limit = forms.DecimalField(
        label=gettext_lazy("Credit limit (yuan)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=gettext_lazy("Leave empty to grant the amount requested."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Needed to decline; the household is told."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("A declined application needs a reason."))
        return data


def applications(request):
    """The queue of applications awaiting the bank, and what the bank decided lately."""
    viewer = request.viewer
    pending = queue(viewer)
    page = page_of(pending, request)
    decided = (
        bank_applications(deciding_banks(viewer))
        .exclude(status=LoanApplication.Status.APPLIED)
        .order_by("-decided_at", "-pk")[:RECENTLY_DECIDED]
    )
    context = {"page": page, "decided": decided}
    context["rows"] = [(a, mask_name(a.household.head_name)) for a in page.object_list]
    return render_page(request, "loans/workbench/applications.html", context)


def application(request, pk: int):
    """One application of the viewer's bank: the household, the request; the decision."""
    viewer = request.viewer
    found = bank_applications(deciding_banks(viewer)).filter(pk=pk).first()
    if found is None:  # another bank's (or no such) application: nothing says which
        raise Http404
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = submit(
            request,
            form,
            lambda: decide(
                found,
                approve=data["decision"] == "approve",
                by=viewer.actor,
                reason=data["reason"],
                limit=data["limit"],
            ),
            lambda decided: _decided(request, decided),
            atomic=False,  # the eligibility check stays logged when the decision is refused
        )
        if done is not None:
            return done
    context = {
        "application": found,
        "masked_name": mask_name(found.household.head_name),
        "line": CreditLine.objects.filter(application_id=found.pk).first(),
        "form": form,
        "decidable": bool(form.errors) or queue(viewer).filter(pk=pk).exists(),
    }
    status = 400 if form.errors else 200
    return render_page(request, "loans/workbench/application.html", context, status=status)


def _decided(request, application) -> str:
    """Say what was decided; back to the queue."""
    names = {"household": application.household.code}
    if application.status == LoanApplication.Status.APPROVED:
        messages.success(
            request, _("Application of %(household)s approved: a credit line is open.") % names
        )
    else:
        messages.success(request, _("Application of %(household)s declined.") % names)
    return reverse("work:loans:applications")


def screens() -> list[WorkbenchScreen]:
    return [
        WorkbenchScreen(
            key="applications",
            title_zh="鸿信贷申请",
            title_en="Loan applications",
            roles=BANK_ROLES,
            view=applications,
            urls=(path("<int:pk>/", application, name="application"),),
            waiting=waiting,
            waiting_zh="待本行审批的鸿信贷申请",
            waiting_en="Loan applications awaiting your bank",
        )
    ]
