"""The workbench: where each role does its monthly work in the browser (``/work/``).

Server-rendered pages with progressive enhancement (htmx from django-htmx's own
static files, never a CDN). The pages are thin adapters: every read goes through
selectors and every write through the services the API uses, so a page allows
exactly what the API allows. ``access`` decides who may open a page,
``menu`` what each person is offered, ``selectors.waiting_for`` what waits for them.
"""
