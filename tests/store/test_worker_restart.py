"""Timers and queued emails survive a restart: the work is rows in the database, and a fresh
``borough worker --once`` process, started after the web process is gone, does it once."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from runtime.core.links import Links
from runtime.store import (
    Council,
    OutboxMessage,
    Submission,
    connect,
    disconnect,
    publish_version,
    start_journey,
    submit,
)
from runtime.store import workflow as flow
from runtime.store.models import WorkflowTimer

ROOT = Path(__file__).parents[2]
SECRET = "the installation's key"
LINKS = Links("https://borough.example", SECRET)
DAY_MS = 86_400_000

WORKFLOW = {
    "id": "permit", "initial": "received",
    "states": {
        "received": {"on": {"ASK": {"target": "waiting", "actions": ["requestInformation"]}},
                     "meta": {"label": "New", "residentText": "We have it.", "tag": "blue", "notify": True}},
        "waiting": {"on": {"ANSWERED": {"target": "received"}},
                    "after": {str(28 * DAY_MS): {"target": "withdrawn"}},
                    "meta": {"label": "Waiting", "residentText": "We need more.", "tag": "yellow"}},
        "withdrawn": {"type": "final", "meta": {"label": "Withdrawn", "residentText": "Closed.", "tag": "grey",
                                                "notify": True}},
    },
}


def _worker_once(database_url: str, tmp_path: Path) -> str:
    env = {**os.environ, "BOROUGH_DATABASE_URL": database_url, "BOROUGH_SECRET_KEY": SECRET,
           "BOROUGH_BASE_URL": "https://borough.example", "BOROUGH_EMAIL_TRANSPORT": "dev",
           "BOROUGH_VAR_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "borough", "worker", "--once"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_a_timer_armed_before_a_restart_fires_once_after_it(db: str, council: Council, tmp_path: Path) -> None:
    version = await publish_version(council, {"id": "permit", "version": "1.0.0", "title": "Permit",
                                              "workflow": WORKFLOW}, "b" * 64)
    journey = await start_journey(council, version, "en")
    submission, _ = await submit(journey, {"email": "pat@example.com"}, "received", links=LINKS)
    await flow.transition(council, submission.id, flow.Move("ASK", note="A photo, please"), LINKS)
    # 28 days pass with no process running: the timer is simply overdue in the database.
    await WorkflowTimer.filter(submission_id=submission.id).update(
        due_at=(await WorkflowTimer.get(submission_id=submission.id)).due_at - timedelta(days=29))
    await disconnect()

    printed = _worker_once(db, tmp_path)
    assert "'timers': 1" in printed and "'emails': 2" in printed
    _worker_once(db, tmp_path)  # and again: nothing is done twice

    await connect(db)
    fresh = await Submission.get(id=submission.id)
    assert fresh.state == "withdrawn"
    assert [e.event for e in await flow.history(fresh)] == ["submitted", "ASK", f"after.{28 * DAY_MS}"]
    emails = await OutboxMessage.filter(recipient="pat@example.com").order_by("id")
    assert [e.subject.split(": ")[1].split(" (")[0] for e in emails] == ["New", "Withdrawn"]
    assert all(e.sent_at is not None and e.transport == "dev" for e in emails)
