"""Police alerts of public-order offences, imported from a feed as proposed ledger entries.

A third-party plugin of the township integrity platform, written only against its
public API ``township_integrity`` (and Django, graphene).
"""
