"""Integrity loans (鸿信贷（诚信贷款）)."""
