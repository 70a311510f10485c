"""Integrity card (鸿信卡)."""
