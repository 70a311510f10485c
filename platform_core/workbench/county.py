"""The county administrator's workbench on the county site (``/work/``, namespace county-work).

Onboard a township in one form (the same service as the CLI and the county API),
grant and revoke its administrators, and set what it may choose itself: its
plugins and the limits of its policy. A county administrator sees and acts on the
townships of their own county only; another county's township is 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from platform_core.accounts import services as accounts
from platform_core.accounts.models import Membership, Role
from platform_core.accounts.viewer import Viewer
from platform_core.actors import Actor
from platform_core.errors import PlatformError
from platform_core.plugins.manager import registry
from platform_core.townships import policy as township_policy
from platform_core.townships import services as tenants
from platform_core.townships.selectors import administered_townships
from platform_core.workbench.forms import WorkbenchForm, submit
from tenants.models import ScoreWindow


def county_page(view: Callable) -> Callable:
    """Only county administrators (and superusers): others get a 403 page."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("login"))
        if not Viewer.of(request.user, None).everywhere:
            return render(request, "workbench/county/denied.html", status=403)
        response = view(request, *args, **kwargs)
        response.headers.setdefault("Cache-Control", "private, no-store")
        return response

    return guarded


def _township(request, code: str):
    """A township of this administrator's counties; any other is 404."""
    return get_object_or_404(administered_townships(request.user), code=code)


def _plugin_choices() -> list[tuple[str, str]]:
    zh = (get_language() or "").startswith("zh")
    return [
        (key, f"{loaded.metadata.name_zh if zh else loaded.metadata.name_en} ({key})")
        for key, loaded in sorted(registry().plugins.items())
    ]


def _emails(text: str) -> list[str]:
    return [e.strip().lower() for e in text.replace(",", "\n").splitlines() if e.strip()]


@county_page
def home(request):
    """The townships of my counties."""
    townships = administered_townships(request.user).annotate(
        admins=Count("memberships", filter=Q(memberships__role=Role.TOWNSHIP_ADMIN))
    )
    return render(request, "workbench/county/home.html", {"townships": townships})


# --- onboarding ----------------------------------------------------------------------


class OnboardForm(WorkbenchForm):
    code = forms.CharField(
        label=gettext_lazy("Township code"),
        max_length=9,
        help_text=gettext_lazy("The 9-digit administrative division code."),
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    county = forms.CharField(
        label=gettext_lazy("County code"),
        max_length=6,
        required=False,
        help_text=gettext_lazy("Empty: the first six digits of the township code."),
    )
    slug = forms.CharField(
        label=gettext_lazy("Host name label"),
        max_length=63,
        required=False,
        help_text=gettext_lazy("Empty: the code."),
    )
    domain = forms.CharField(
        label=gettext_lazy("Domain"),
        max_length=253,
        required=False,
        help_text=gettext_lazy("Empty: the host name label under the base domain."),
    )
    plugins = forms.MultipleChoiceField(
        label=gettext_lazy("Plugins"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: the county's default plugins."),
    )
    admin_emails = forms.CharField(
        label=gettext_lazy("Administrators' e-mails"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=gettext_lazy(
            "One per line. New accounts get a password or a sign-in link, shown once."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plugins"].choices = _plugin_choices()


def _refusal(error: tenants.OnboardingError) -> PlatformError:
    """The service's refusal at the form's field (one field holds every address)."""
    field = "admin_emails" if error.field == "admin_email" else error.field or ""
    return PlatformError(str(error), field=field)


@county_page
def onboard(request):
    status = 200
    if request.method == "POST":
        form = OnboardForm(request.POST)
        if form.is_valid():
            done = submit(request, form, lambda: _onboard(request, form), _township_url)
            if done is not None:
                return done
        status = 400
    else:
        form = OnboardForm()
    return render(request, "workbench/county/onboard.html", {"form": form}, status=status)


def _onboard(request, form):
    data = form.cleaned_data
    emails = _emails(data["admin_emails"])
    try:
        result = tenants.onboard_township(
            code=data["code"],
            name=data["name"],
            county=data["county"] or None,
            slug=data["slug"] or None,
            domain=data["domain"] or None,
            plugins=data["plugins"] or None,
            admin_email=emails[0] if emails else None,
            more_admin_emails=emails[1:],
            by=Actor.of(request.user),
        )
    except tenants.OnboardingError as error:
        raise _refusal(error) from None
    township = result.township
    messages.success(
        request,
        _("%(name)s (%(code)s) is onboarded at %(domain)s.")
        % {"name": township.name, "code": township.code, "domain": result.domain.domain},
    )
    if result.admin_password:
        messages.warning(
            request,
            _("Administrator %(email)s, password %(pw)s (shown only now).")
            % {"email": result.admin_email, "pw": result.admin_password},
        )
    for email in result.more_admins:
        _link_for_new(request, township, email)
    return township


def _township_url(township) -> str:
    return reverse("county-work:township", args=[township.code])


def _link_for_new(request, township, email: str) -> None:
    """A sign-in link for an administrator account that has no password yet."""
    user = get_user_model().objects.filter(username=email).first()
    if user is None or user.has_usable_password():
        return
    uid, token = accounts.signin_token(user, township, by=Actor.of(request.user))
    link = request.build_absolute_uri(f"/t/{township.code}/accounts/reset/{uid}/{token}/")
    accounts.mail_signin_link(user, link, township)
    messages.warning(
        request,
        _("Sign-in link for %(user)s (works once; shown only now): %(link)s")
        % {"user": email, "link": link},
    )


# --- one township: administrators and limits -------------------------------------------


class AdminForm(WorkbenchForm):
    email = forms.EmailField(label=gettext_lazy("E-mail"))


class LimitsForm(WorkbenchForm):
    allowed_plugins = forms.MultipleChoiceField(
        label=gettext_lazy("Plugins the township may enable itself"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every plugin."),
    )
    green_above_min = forms.IntegerField(
        label=gettext_lazy("Green above, at least"), required=False
    )
    green_above_max = forms.IntegerField(label=gettext_lazy("Green above, at most"), required=False)
    red_below_min = forms.IntegerField(label=gettext_lazy("Red below, at least"), required=False)
    red_below_max = forms.IntegerField(label=gettext_lazy("Red below, at most"), required=False)
    objection_days_min = forms.IntegerField(
        label=gettext_lazy("Objection days, at least"), required=False
    )
    objection_days_max = forms.IntegerField(
        label=gettext_lazy("Objection days, at most"), required=False
    )
    allowed_score_windows = forms.MultipleChoiceField(
        label=gettext_lazy("Score windows the township may choose"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=ScoreWindow.choices,
        help_text=gettext_lazy("None ticked: any."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allowed_plugins"].choices = _plugin_choices()

    def limits(self) -> township_policy.Limits:
        data = self.cleaned_data
        return township_policy.Limits(
            **{
                **{name: data[name] for name in township_policy.LIMIT_FIELDS},
                "allowed_plugins": tuple(data["allowed_plugins"]),
                "allowed_score_windows": tuple(data["allowed_score_windows"]),
            }
        )


def _page(request, township, admin_form=None, limits_form=None, status: int = 200):
    admins = (
        Membership.objects.filter(township=township, role=Role.TOWNSHIP_ADMIN)
        .select_related("user")
        .order_by("user__username")
    )
    context = {
        "township": township,
        "admins": [(m, uuid.uuid4().hex) for m in admins],
        "admin_form": admin_form or AdminForm(),
        "limits_form": limits_form
        or LimitsForm(
            initial={name: getattr(township, name) for name in township_policy.LIMIT_FIELDS}
        ),
        "policy": township_policy.Policy.of(township),
    }
    return render(request, "workbench/county/township.html", context, status=status)


@county_page
def township(request, code: str):
    return _page(request, _township(request, code))


@require_POST
@county_page
def grant_admin(request, code: str):
    township = _township(request, code)
    form = AdminForm(request.POST)
    if form.is_valid():

        def apply():
            invitation = accounts.invite_person(email=form.cleaned_data["email"])
            accounts.grant_membership(
                township, invitation.user, Role.TOWNSHIP_ADMIN, by=Actor.of(request.user)
            )
            messages.success(
                request,
                _("%(user)s administers %(township)s now.")
                % {"user": invitation.user.get_username(), "township": township.name},
            )
            if invitation.created:
                _link_for_new(request, township, invitation.user.get_username())

        done = submit(request, form, apply, lambda result: _township_url(township))
        if done is not None:
            return done
    return _page(request, township, admin_form=form, status=400)


@require_POST
@county_page
def revoke_admin(request, code: str, pk: int):
    township = _township(request, code)
    membership = get_object_or_404(
        Membership.objects.select_related("user"),
        pk=pk,
        township=township,
        role=Role.TOWNSHIP_ADMIN,
    )
    form = WorkbenchForm(request.POST)
    if not form.is_valid():
        raise Http404

    def apply():
        accounts.revoke_role(membership, by=Actor.of(request.user))
        messages.success(
            request,
            _("%(user)s no longer administers %(township)s.")
            % {"user": membership.user.get_username(), "township": township.name},
        )

    done = submit(request, form, apply, lambda result: _township_url(township))
    if done is None:
        for error in form.non_field_errors():
            messages.error(request, error)
        return redirect(_township_url(township))
    return done


@require_POST
@county_page
def limits(request, code: str):
    township = _township(request, code)
    form = LimitsForm(request.POST)
    if form.is_valid():

        def apply():
            township_policy.set_limits(township, form.limits(), by=Actor.of(request.user))
            messages.success(
                request, _("The limits of %(township)s are saved.") % {"township": township.name}
            )

        done = submit(request, form, apply, lambda result: _township_url(township))
        if done is not None:
            return done
    return _page(request, township, limits_form=form, status=400)
