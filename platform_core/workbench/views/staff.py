"""Staff and roles: invite people, grant and revoke roles, accounts and sign-in links.

Only the township administrator (ADMIN_ONLY). Every action names a membership or a
person *of this township* in its address; anything else is 404. The rules (what
may be granted, whose account may be touched) are in ``accounts.services``.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from platform_core.accounts import services
from platform_core.accounts.models import Membership, Role
from platform_core.accounts.selectors import staff_of
from platform_core.workbench.access import workbench_page
from platform_core.workbench.forms import WorkbenchForm, submit
from platform_core.workbench.menu import ADMIN_ONLY, menu_for
from platform_core.workbench.paging import page_of

TOWNSHIP_ROLES = [(value, label) for value, label in Role.choices if value != Role.COUNTY_ADMIN]


class GrantForm(WorkbenchForm):
    """Invite a person (or find them) and grant one role."""

    email = forms.CharField(label=gettext_lazy("E-mail"), max_length=254, required=False)
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=20,
        required=False,
        help_text=gettext_lazy(
            "Without an e-mail, the phone number becomes the person's sign-in name."
        ),
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150, required=False)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=TOWNSHIP_ROLES)
    village_code = forms.CharField(
        label=gettext_lazy("Village code"),
        max_length=32,
        required=False,
        help_text=gettext_lazy("Limits the role to one village; empty: every village."),
    )
    household_code = forms.CharField(
        label=gettext_lazy("Household code"),
        max_length=32,
        required=False,
        help_text=gettext_lazy("For the household role: the household this person speaks for."),
    )
    alliance_member_code = forms.CharField(
        label=gettext_lazy("Alliance institution code"),
        max_length=32,
        required=False,
        help_text=gettext_lazy("For the alliance member role: the bank, shop or firm."),
    )


class ActionForm(WorkbenchForm):
    """A button's form: only the one-time submission key."""


def here(request) -> str:
    return reverse("work:staff")


@workbench_page(ADMIN_ONLY)
def staff(request):
    """GET: who holds what (paged, searchable). POST: invite a person and grant a role."""
    township = request.township
    if request.method == "POST":
        form = GrantForm(request.POST)
        if form.is_valid() and (done := submit(request, form, lambda: _grant(request, form), _to)):
            return done
        status = 400
    else:
        form, status = GrantForm(), 200
    query = (request.GET.get("q") or "").strip()[:100]
    never = request.GET.get("never") == "1"
    page = page_of(staff_of(township, query, never_signed_in=never), request)
    locked = _locked({u.get_username() for u in page.object_list})
    rows = [
        {
            "person": person,
            "roles": [(m, uuid.uuid4().hex) for m in person.roles_here],
            "key": uuid.uuid4().hex,
            "locked": person.get_username() in locked,
        }
        for person in page.object_list
    ]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query,
        "never": never,
        "menu": menu_for(request.viewer, township),
    }
    return render(request, "workbench/staff.html", context, status=status)


def _grant(request, form) -> tuple[Membership, str]:
    data = form.cleaned_data
    invitation = services.invite_person(email=data["email"], phone=data["phone"], name=data["name"])
    membership = services.grant_membership(
        request.township,
        invitation.user,
        data["role"],
        by=request.viewer.actor,
        village_code=data["village_code"],
        household_code=data["household_code"],
        alliance_member_code=data["alliance_member_code"],
    )
    name = invitation.user.get_username()
    messages.success(
        request,
        _("%(user)s now holds the role %(role)s.")
        % {"user": name, "role": membership.get_role_display()},
    )
    if invitation.created:
        _show_link(request, invitation.user)
    return membership, name


def _to(result) -> str:
    _membership, name = result
    return f"{reverse('work:staff')}?q={name}"


def _person(request, pk: int):
    """A person holding a role in this township (anyone else: 404)."""
    people = get_user_model().objects.filter(memberships__township=request.township).distinct()
    return get_object_or_404(people, pk=pk)


@require_POST
@workbench_page(ADMIN_ONLY)
def revoke(request, pk: int):
    membership = get_object_or_404(
        Membership.objects.select_related("user", "township"), pk=pk, township=request.township
    )
    label = f"{membership.user.get_username()} · {membership.get_role_display()}"
    return _act(
        request,
        lambda: services.revoke_role(membership, by=request.viewer.actor),
        _("Revoked: %(role)s.") % {"role": label},
    )


@require_POST
@workbench_page(ADMIN_ONLY)
def deactivate(request, pk: int):
    person = _person(request, pk)

    def apply():
        off = services.deactivate_account(person, request.township, by=request.viewer.actor)
        if off:
            messages.success(
                request,
                _("%(user)s's roles here are revoked and the account is deactivated.")
                % {"user": person.get_username()},
            )
        else:
            messages.success(
                request,
                _(
                    "%(user)s's roles here are revoked. The account stays active: the person "
                    "holds roles elsewhere."
                )
                % {"user": person.get_username()},
            )

    return _act(request, apply, "")


@require_POST
@workbench_page(ADMIN_ONLY)
def signin_link(request, pk: int):
    person = _person(request, pk)
    return _act(request, lambda: _show_link(request, person), "")


@require_POST
@workbench_page(ADMIN_ONLY)
def unlock(request, pk: int):
    person = _person(request, pk)
    return _act(
        request,
        lambda: services.unlock_account(person, request.township, by=request.viewer.actor),
        _("%(user)s may sign in again.") % {"user": person.get_username()},
    )


def _show_link(request, person) -> None:
    """Make a sign-in link, show it once (and e-mail it where e-mail is set up)."""
    uid, token = services.signin_token(person, request.township, by=request.viewer.actor)
    link = request.build_absolute_uri(
        reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    )
    mailed = services.mail_signin_link(person, link, request.township)
    until = timezone.localtime() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    names = {"user": person.get_username(), "link": link, "until": f"{until:%Y-%m-%d}"}
    text = _("Sign-in link for %(user)s (works once, until %(until)s; shown only now): %(link)s")
    messages.warning(request, text % names)
    if mailed:
        messages.info(request, _("It was also e-mailed to %(email)s.") % {"email": person.email})


def _act(request, apply, success: str):
    """Apply one row's button once; a refusal is shown above the list."""
    form = ActionForm(request.POST)
    if not form.is_valid():
        raise Http404

    def apply_and_say():
        result = apply()
        if success:
            messages.success(request, success)
        return result

    done = submit(request, form, apply_and_say, lambda result: here(request))
    if done is None:
        for error in form.non_field_errors():
            messages.error(request, error)
        return redirect(here(request))
    return done


def _locked(usernames: set[str]) -> set[str]:
    """Of ``usernames``, those django-axes holds locked out now (one query)."""
    from axes.models import AccessAttempt

    if not usernames:
        return set()
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(
        AccessAttempt.objects.filter(
            username__in=sorted(usernames),
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=since,
        ).values_list("username", flat=True)
    )
