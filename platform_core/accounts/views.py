"""The page behind a one-time sign-in link: choose a password, and be signed in."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import NoReverseMatch, reverse


class SigninLinkView(auth_views.PasswordResetConfirmView):
    """Django's password-reset confirmation: the token expires (PASSWORD_RESET_TIMEOUT)
    and is spent once the password is set; the person is then signed in and sent to
    the workbench (a township's, or the county's on the county site)."""

    template_name = "registration/signin_link.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def get_success_url(self) -> str:
        for name in ("work:home", "county-work:home", "home"):
            try:
                return reverse(name)
            except NoReverseMatch:
                continue
        return "/"
