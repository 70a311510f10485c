"""Garbage sorting (垃圾分类): household inspections that become ledger entries."""
