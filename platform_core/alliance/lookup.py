"""Whom an eligibility check is about: a household by its code, or a merchant or firm by
its code or unified social credit code (docs/subjects.md, "Scoring merchants and firms")."""

from __future__ import annotations

from platform_core.households.models import Enterprise, Household


def subject_for_check(text: str) -> Household | None:
    """The household with code ``text``, else the merchant or firm with that code or
    credit code (letters of a credit code in either case); None when there is none.

    An alliance member asks about a merchant as about a household (consent, the narrowed
    answer and the log are the same); a household is found exactly as before.
    """
    text = (text or "").strip()
    if not text:
        return None
    household = Household.objects.select_related("village").filter(code=text).first()
    if household is not None:
        return household
    enterprises = Enterprise.objects.select_related("village")
    return (
        enterprises.filter(code=text).first()
        or enterprises.filter(credit_code=text.upper()).first()
    )
