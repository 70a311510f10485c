"""The admin stays for correcting data: a list whose work a workbench page does links there."""

from __future__ import annotations

from django_tenants.utils import tenant_context

from platform_core.plugins.services import enable_plugin
from tests import factories as f


def link(client, township, admin_path: str) -> str:
    """The workbench link on an admin list ("" when there is none)."""
    page = client.get(f"/t/{township.code}/admin/{admin_path}")
    assert page.status_code == 200, admin_path
    html = page.content.decode()
    if "data-workbench-link" not in html:
        return ""
    return html.split("data-workbench-link")[0].rsplit('href="', 1)[1].split('"')[0]


def test_admin_lists_link_to_the_workbench_page_that_does_their_work(world, signed_in):
    enable_plugin(world, "loans")
    enable_plugin(world, "petition")
    enable_plugin(world, "integrity_card")
    with tenant_context(world):
        admin = f.person("admin", "township_admin")
        council = f.person("council", "council_member", "V01")
    base = f"/t/{world.code}/work/"
    client = signed_in(admin)
    for admin_path, page in (
        ("scoring/scoreevent/", "review/"),
        ("scoring/objection/", "objections/"),
        ("scoring/repairapplication/", "repairs/"),
        ("households/household/", "households/"),
        ("evaluation/evaluationround/", "month/"),
        ("alliance/eligibilitycheck/", "eligibility/"),
        ("loans/loanapplication/", "x/loans/applications/"),
        ("petition/case/", "x/petition/cases/"),
        ("integrity_card/cardcheck/", "x/integrity_card/checks/"),
    ):
        assert link(client, world, admin_path) == base + page, admin_path
    assert link(client, world, "scoring/rule/") == ""  # the covenant is edited in the admin
    council_client = signed_in(council)
    assert link(council_client, world, "scoring/scoreevent/") == base + "review/"
    # A council member decides no loans: the admin list is theirs to read, the queue is not.
    assert link(council_client, world, "loans/loanapplication/") == ""
