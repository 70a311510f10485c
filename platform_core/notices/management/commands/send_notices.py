"""``send_notices --township CODE``: send the township's notices still waiting to be sent.

Notices are sent right after the approval commits; one left waiting (the process
stopped in between) is sent by this command, once (run it from cron, or by hand).
"""

from platform_core.notices.services import deliver
from platform_core.township_command import TownshipCommand


class Command(TownshipCommand):
    help = (
        "Send the township's notices of deductions still waiting to be sent (each once); "
        "prints how many were sent and how many failed."
    )

    def handle_township(self, township, **options):
        counts = deliver()
        self.stdout.write(
            f"{township.code}: {counts['sent']} notices sent, {counts['failed']} failed"
        )
