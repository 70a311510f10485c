"""The reviewers' queue: alerts of their villages waiting for the police or for the review.

Confirmed alerts have proposed entries, which the village's reviewers approve or
reject on the workbench's review page like any other; unconfirmed ones are only
listed. Narrowed to the villages where the viewer reviews.
"""

from __future__ import annotations

from police_feed.selectors import proposed, unconfirmed
from township_integrity import WorkbenchScreen
from township_integrity.roles import REVIEWER_ROLES
from township_integrity.workbench import mask_name, page_of, render_page


def waiting(viewer) -> int:
    return proposed(viewer.villages(REVIEWER_ROLES)).count()


def queue(request):
    """Proposed entries from confirmed alerts (paged), then alerts not confirmed yet."""
    villages = request.viewer.villages(REVIEWER_ROLES)
    page = page_of(proposed(villages), request)
    context = {
        "page": page,
        "rows": [(alert, mask_name(alert.household.head_name)) for alert in page],
        "unconfirmed": list(unconfirmed(villages)[:50]),
    }
    return render_page(request, "police_feed/workbench/queue.html", context)


def screens() -> list[WorkbenchScreen]:
    return [
        WorkbenchScreen(
            key="queue",
            title_zh="公安警情通报",
            title_en="Police alerts",
            roles=REVIEWER_ROLES,
            view=queue,
            waiting=waiting,
            waiting_zh="待评议的公安通报扣分",
            waiting_en="Deductions from police alerts awaiting the review",
        )
    ]
