"""Restrictions for households to improve (待提升户限制)."""
