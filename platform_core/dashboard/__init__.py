"""Dashboards with charts: the township's (``/dashboard/`` of a township) for its staff,
and the county's (``/dashboard/`` of the county site) for county administrators.

``selectors`` reads the figures, ``charts`` draws them as inline SVG, ``views`` are thin.
"""
