"""``send_notices --township CODE``: send the township's notices still waiting to be sent.

Notices (to households, and to staff: ``notify_staff``) are sent right after their
transaction commits; one left waiting (the process stopped in between) is sent by this
command, once (run it from cron, or by hand).
"""

from platform_core.notices.services import deliver, deliver_staff
from platform_core.township_command import TownshipCommand


class Command(TownshipCommand):
    help = (
        "Send the township's notices of deductions and staff notices still waiting to be "
        "sent (each once); prints how many were sent and how many failed."
    )

    def handle_township(self, township, **options):
        counts = deliver()
        self.stdout.write(
            f"{township.code}: {counts['sent']} notices sent, {counts['failed']} failed"
        )
        staff = deliver_staff()
        self.stdout.write(
            f"{township.code}: {staff['sent']} staff notices sent, {staff['failed']} failed"
        )
