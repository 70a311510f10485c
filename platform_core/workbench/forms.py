"""Form helpers of the workbench: one submission applied once, refusals shown at the field.

Every workbench form carries a ``submission`` key, made when the form is shown. The
first POST with a key claims it (an atomic ``cache.add``); a second POST of the same
form — a double tap, a browser retry — finds the key taken and is answered with the
first one's result page instead of being applied again. A refused submission frees
its key, so the person can correct the form and send it again.
"""

from __future__ import annotations

import uuid
from contextlib import nullcontext

from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from platform_core.errors import PlatformError

SUBMISSION_SECONDS = 24 * 3600


class DateInput(forms.DateInput):
    """A browser's date picker: its value must be ISO (YYYY-MM-DD), whatever the language.

    Django writes a date in the active language's first input format (``2026/12/05`` in
    zh-hans); a browser drops such a value from a ``type=date`` input, so the date shown
    as today's would be sent empty.
    """

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class WorkbenchForm(forms.Form):
    """A form with a one-time submission key; errors render at their fields."""

    submission = forms.CharField(widget=forms.HiddenInput, required=False)
    template_name = "workbench/_form.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission", uuid.uuid4().hex)

    def refuse(self, error: Exception) -> None:
        """Show a service's refusal at the field it names, else above the form."""
        field = getattr(error, "field", "") or None
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
            return
        message = str(error) if isinstance(error, PlatformError) else " ".join(error.messages)
        self.add_error(field if field in self.fields else None, message)


class PhotoField(forms.FileField):
    """An optional evidence photo, checked by the evidence service (an image, not too large)
    as the form is cleaned, so the refusal shows at the field."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", gettext_lazy("Photo"))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        from platform_core.scoring.evidence import check_photo

        photo = super().clean(data, initial)
        if photo:
            try:
                check_photo(photo)
            except PlatformError as error:
                raise forms.ValidationError(str(error)) from None
        return photo


class Submission:
    """The claim on one form submission (see the module docstring)."""

    def __init__(self, request, form: WorkbenchForm):
        key = form.cleaned_data.get("submission") or ""
        self.key = f"workbench-submission:{request.user.pk}:{key[:64]}" if key else ""
        self.claimed = False

    def claim(self) -> bool:
        """True the first time; False when this submission was applied (or is running)."""
        if not self.key:
            return True  # no key (a script, a very old page): the services' checks remain
        self.claimed = cache.add(self.key, "", SUBMISSION_SECONDS)
        return self.claimed

    def done(self, result_url: str) -> None:
        if self.key:
            cache.set(self.key, result_url, SUBMISSION_SECONDS)

    def release(self) -> None:
        if self.key and self.claimed:
            cache.delete(self.key)

    def earlier_result(self) -> str:
        return cache.get(self.key) or ""


def already_done_message() -> str:
    return _("This form was already sent; it was applied once.")


def submit(request, form: WorkbenchForm, apply, success_url, *, atomic: bool = True):
    """Apply a valid form once: ``apply()`` in a transaction, then redirect to
    ``success_url(result)``. Returns the redirect, or None when the form now holds the
    refusal (the view renders it again with the errors at their fields).

    ``atomic=False`` for a service that commits a record of its own before it may
    refuse (an eligibility check logged under a refused loan decision): the service
    then keeps its own transactions, as the API's non-atomic mutations do."""
    from django.contrib import messages
    from django.db import transaction
    from django.shortcuts import redirect

    submission = Submission(request, form)
    if not submission.claim():
        messages.info(request, already_done_message())
        return redirect(submission.earlier_result() or request.get_full_path())
    try:
        with transaction.atomic() if atomic else nullcontext():
            result = apply()
    except (PlatformError, ValidationError) as error:
        submission.release()
        form.refuse(error)
        return None
    except BaseException:
        submission.release()
        raise
    url = success_url(result)
    submission.done(url)
    return redirect(url)
