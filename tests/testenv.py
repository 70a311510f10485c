"""Loaded by pytest before Django: test-mode settings unless the caller chose otherwise."""

import os

os.environ.setdefault("PLATFORM_MODE", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")
