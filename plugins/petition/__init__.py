"""Petitions, 12345-hotline and online complaints handled in a closed loop (信访闭环)."""
