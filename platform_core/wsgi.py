"""The WSGI application (``gunicorn platform_core.wsgi``).

Under gunicorn, responses carry no ``Server`` header: gunicorn names itself in every
response, and the production server should not tell what software answers. The
header is dropped here, where every way of starting gunicorn on this module passes
(Dockerfile, compose, Kubernetes, by hand), rather than in one command line.
"""

import os
import sys

from django.core.wsgi import get_wsgi_application


def hide_server_banner() -> bool:
    """Drop gunicorn's ``Server:`` line from its responses; False when not under gunicorn."""
    if "gunicorn" not in sys.modules:
        return False
    from gunicorn.http import wsgi as gunicorn_wsgi

    response_class = gunicorn_wsgi.Response
    if not getattr(response_class, "platform_hides_server", False):
        with_banner = response_class.default_headers

        def default_headers(self):
            return [h for h in with_banner(self) if not h.lower().startswith("server:")]

        response_class.default_headers = default_headers
        response_class.platform_hides_server = True
    return True


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")
hide_server_banner()
application = get_wsgi_application()
