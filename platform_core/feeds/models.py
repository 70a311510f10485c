"""The record of every import of a plugin's external feed (one row per file, or per pull)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FeedRun(models.Model):
    """One file (or one pull) of a feed, imported, refused, or skipped as seen before.

    Written only by ``feeds.services``; the sha256 of an imported file is what keeps
    the same content from being imported twice.
    """

    class Status(models.TextChoices):
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        UNCHANGED = "unchanged", _("Already imported")

    plugin = models.CharField(_("plugin"), max_length=60)
    feed = models.CharField(_("feed"), max_length=40)
    file_name = models.CharField(_("file"), max_length=255, blank=True)  # "" for a pull
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    created = models.PositiveIntegerField(_("new rows"), default=0)
    unchanged = models.PositiveIntegerField(_("rows already there"), default=0)
    summary = models.TextField(_("summary"), blank=True)
    error = models.TextField(_("error"), blank=True)
    by_label = models.CharField(_("run by"), max_length=200)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))

    class Meta:
        verbose_name = _("feed run")
        verbose_name_plural = _("feed runs")
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["plugin", "feed", "-started_at"], name="feedrun_latest"),
            models.Index(
                fields=["plugin", "feed", "sha256"],
                condition=models.Q(status="done"),
                name="feedrun_imported_content",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plugin}/{self.feed} {self.file_name or '-'} {self.status}"
