"""The unified social credit code (统一社会信用代码) of a merchant or firm, GB 32100-2015.

Eighteen characters from a 31-character set (digits and capitals without I, O, Z, S, V):
the registering authority (1), the kind of organisation (1), the administrative division
of registration (6 digits), the organisation code (9, GB 11714) and a check character,
computed over the first seventeen with the weights 3^i mod 31. A mistyped character is
caught by the check character; the code is stored as given, in upper case.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {char: value for value, char in enumerate(CHARSET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, ...
LENGTH = 18
# GB 32100-2015 appendix: registering authority -> the kinds of organisation it registers.
AUTHORITY_KINDS = {
    "1": "1239",  # organisation staffing offices: organs, public institutions, others
    "2": "19",  # foreign affairs
    "3": "12345679",  # justice: law firms, notaries, ...
    "4": "19",  # culture
    "5": "1239",  # civil affairs: social organisations, foundations, ...
    "6": "129",  # tourism
    "7": "129",  # religious affairs
    "8": "129",  # trade unions
    "9": "123",  # market regulation: enterprises, individual businesses, cooperatives
    "A": "19",  # central military commission reform office
    "N": "123",  # agriculture: rural collective economic organisations
    "Y": "1",  # others
}


class CreditCodeError(ValueError):
    """The code is not a valid unified social credit code; the message says why."""


def check_character(first17: str) -> str:
    """The GB 32100-2015 check character of the first seventeen characters."""
    total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalise_credit_code(raw: str) -> str:
    """The code in upper case without surrounding spaces; CreditCodeError if it is invalid."""
    code = (raw or "").strip().upper()
    if len(code) != LENGTH:
        raise CreditCodeError(
            _("a unified social credit code has 18 characters; this one has %(n)s")
            % {"n": len(code)}
        )
    wrong = sorted({char for char in code if char not in VALUES})
    if wrong:
        raise CreditCodeError(
            _(
                "a unified social credit code cannot contain %(chars)s "
                "(I, O, Z, S and V are never used)"
            )
            % {"chars": ", ".join(wrong)}
        )
    kinds = AUTHORITY_KINDS.get(code[0])
    if kinds is None or code[1] not in kinds:
        raise CreditCodeError(
            _("%(prefix)s is not a registering authority and kind of organisation of GB 32100-2015")
            % {"prefix": code[:2]}
        )
    if not code[2:8].isdigit():
        raise CreditCodeError(
            _("characters 3 to 8 of a unified social credit code are the division code, six digits")
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise CreditCodeError(
            _(
                "the check character is %(given)s but should be %(expected)s: "
                "a character is mistyped"
            )
            % {"given": code[17], "expected": expected}
        )
    return code
