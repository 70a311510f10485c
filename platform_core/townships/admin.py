"""County administration (public schema only): counties and townships.

A separate AdminSite, mounted on the county site, so township admins never see
county records. Only county administrators (a ``county_admin`` membership) and
superusers enter: ``is_staff`` decides nothing here, so a township administrator
is refused at sign-in and sent to the login page. Adding a township goes through
the onboarding service; status changes through the suspension services. The
sign-in lockouts of django-axes are listed (and can be deleted to unlock) here too.
"""

from __future__ import annotations

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from platform_core.accounts.viewer import Viewer
from platform_core.actors import Actor
from platform_core.townships import services
from platform_core.townships.selectors import administered_counties, administered_townships
from tenants.models import County, PluginActivation, Township


def is_county_administrator(user) -> bool:
    """A county administrator or a superuser: the only people the county admin admits."""
    if user is None or not (user.is_active and user.is_authenticated):
        return False
    return Viewer.of(user, None).everywhere


class CountyLoginForm(AdminAuthenticationForm):
    """Signs in county administrators only, whatever their global ``is_staff`` says."""

    def confirm_login_allowed(self, user):
        AuthenticationForm.confirm_login_allowed(self, user)  # active; is_staff not needed
        if not is_county_administrator(user):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class CountyAdminSite(admin.AdminSite):
    site_header = _("County administration")
    site_title = _("County administration")
    login_form = CountyLoginForm

    def has_permission(self, request) -> bool:
        return is_county_administrator(request.user)


county_admin_site = CountyAdminSite(name="county_admin")


class CountyModelAdmin(admin.ModelAdmin):
    """County records are the county administrators' (a membership, not Django permissions)."""

    def has_module_permission(self, request) -> bool:
        return is_county_administrator(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_county_administrator(request.user)

    def has_add_permission(self, request) -> bool:
        return is_county_administrator(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_county_administrator(request.user)


class CountyForm(forms.ModelForm):
    class Meta:
        model = County
        fields = ["code", "name", "default_plugins"]

    def clean_default_plugins(self):
        keys = self.cleaned_data.get("default_plugins")
        if isinstance(keys, list) and all(isinstance(k, str) for k in keys):
            try:  # other shapes are refused by County.clean
                services.check_default_plugins(keys)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["default_plugins"]) from exc
        return keys


@admin.register(County, site=county_admin_site)
class CountyAdmin(CountyModelAdmin):
    form = CountyForm
    list_display = ["code", "name", "created_at"]
    search_fields = ["code", "name"]

    def get_queryset(self, request):
        counties = administered_counties(request.user)
        found = super().get_queryset(request)
        return found if counties is None else found.filter(pk__in=sorted(counties))


class OnboardingForm(forms.ModelForm):
    admin_email = forms.EmailField(label=_("First administrator's e-mail"), required=False)

    class Meta:
        model = Township
        fields = ["code", "name", "slug", "county"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = _("Host-name label; the code when left empty.")

    def clean(self):
        data = super().clean()
        try:
            services.check_can_onboard(
                code=data.get("code") or "",
                name=data.get("name") or "",
                slug=data.get("slug") or None,
                admin_email=data.get("admin_email") or None,
            )
        except services.OnboardingError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data


class PluginActivationInline(admin.TabularInline):
    model = PluginActivation
    extra = 0
    readonly_fields = ["plugin", "enabled", "settings", "updated_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Township, site=county_admin_site)
class TownshipAdmin(CountyModelAdmin):
    list_display = ["code", "name", "county", "status", "schema_name", "created_at"]
    list_filter = ["status", "county"]
    search_fields = ["code", "name", "slug"]
    actions = ["suspend", "reactivate"]

    def get_inlines(self, request, obj):
        return [PluginActivationInline] if obj else []

    def get_queryset(self, request):
        """Only the townships of the counties this administrator administers."""
        return administered_townships(request.user)

    def changelist_view(self, request, extra_context=None):
        """Onboarding, administrators and limits are done in the county workbench."""
        from django.urls import reverse

        extra_context = {**(extra_context or {}), "workbench_url": reverse("county-work:home")}
        return super().changelist_view(request, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "county":
            counties = administered_counties(request.user)
            if counties is not None:
                kwargs["queryset"] = County.objects.filter(pk__in=sorted(counties))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = OnboardingForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ["code", "schema_name", "status", "created_at"] if obj else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["code", "name", "slug", "county", "admin_email"]
        return [
            "code",
            "name",
            "schema_name",
            "county",
            "status",
            "score_base",
            "green_above",
            "red_below",
            "score_window",
            "objection_days",
            "evaluation_day",
            "publish_red_on_board",
            "response_days",
            "posting_days",
            "objection_answer_days",
            "red_publication_months",
            "created_at",
        ]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        result = services.onboard_township(
            code=obj.code,
            name=obj.name,
            slug=obj.slug or None,
            county=obj.county.code,
            admin_email=form.cleaned_data.get("admin_email") or None,
            by=Actor.of(request.user),
        )
        obj.pk = result.township.pk
        if result.admin_password:
            messages.info(
                request,
                _("Administrator %(email)s, password %(pw)s (shown once).")
                % {"email": result.admin_email, "pw": result.admin_password},
            )

    @admin.action(description=_("Suspend selected townships"))
    def suspend(self, request, queryset):
        for township in queryset:
            services.suspend_township(township, by=Actor.of(request.user))

    @admin.action(description=_("Reactivate selected townships"))
    def reactivate(self, request, queryset):
        for township in queryset:
            services.reactivate_township(township, by=Actor.of(request.user))


# --- sign-in lockouts (django-axes): read them, delete one to unlock at once -------------


class _LockoutAdmin(CountyModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class AccessAttemptAdmin(_LockoutAdmin, axes_admin.AccessAttemptAdmin):
    """Failed sign-ins being counted; deleting a row lifts its lockout."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return is_county_administrator(request.user)


class AccessLogAdmin(_LockoutAdmin, axes_admin.AccessLogAdmin):
    pass


county_admin_site.register(AccessAttempt, AccessAttemptAdmin)
county_admin_site.register(AccessLog, AccessLogAdmin)
