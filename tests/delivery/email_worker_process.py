"""One round of email delivery in a process of its own, as a background worker runs it:
``python email_worker_process.py DATABASE_URL NOTIFY_URL API_KEY TEMPLATE_ID``. The crash
tests kill it with SIGKILL in the middle of a send."""

from __future__ import annotations

import asyncio
import sys

from runtime.delivery.email import NotifyTransport, Sender, deliver_due
from runtime.store import connect, disconnect


async def main(database_url: str, notify_url: str, api_key: str, template_id: str) -> None:
    await connect(database_url)
    try:
        transport = NotifyTransport(api_key, template_id, base_url=notify_url,
                                    sender=Sender("Borough", "noreply@borough.example"))
        print("sent", await deliver_due(transport), flush=True)
    finally:
        await disconnect()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
