"""Evidence photos, streamed from storage only to people who may see the household."""

from __future__ import annotations

from django.http import FileResponse, Http404

from platform_core.accounts.models import Role
from platform_core.accounts.selectors import STAFF_ROLES
from platform_core.households.selectors import prefixed, visible_households
from platform_core.scoring.models import EvidencePhoto
from platform_core.workbench.access import workbench_page


@workbench_page((*STAFF_ROLES, Role.HOUSEHOLD))
def photo(request, pk: int):
    """The photo, if its entry's or declaration's household is visible to the viewer."""
    seen = visible_households(request.viewer)
    photo = (
        EvidencePhoto.objects.filter(pk=pk)
        .filter(prefixed(seen, "entry__household") | prefixed(seen, "declaration__household"))
        .first()
    )
    if photo is None:
        raise Http404
    try:
        handle = photo.image.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    return response
