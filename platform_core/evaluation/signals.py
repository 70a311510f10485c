"""Events other parts of the platform react to (the plugin manager turns them into hooks).

Both are sent after the finalising transaction commits, inside the township's schema.
"""

from django.dispatch import Signal

# Sent once per household whose tier differs from its previous finalised month
# (or that gets its first tier). Arguments: ``change`` (an evaluation.TierChange).
tier_changed = Signal()

# Sent once per finalisation. Arguments: ``period`` (date, first of the month),
# ``village_ids`` (list of the villages finalised by this call).
month_finalised = Signal()
