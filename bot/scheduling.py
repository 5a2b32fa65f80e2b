"""Digest scheduling: one repeating job that sends whatever the store says is due.

Per-subscriber jobs would have to be rebuilt from the store at every start and kept in step with
it; one tick over the store's due times cannot lose or duplicate a job, and it catches up on
digests missed while the bot was down at its first run.
"""

from __future__ import annotations

from handlers.context import TalksApp
from handlers.delivery import tick

TICK_JOB = "digest-tick"


def schedule_ticks(app: TalksApp, *, seconds: float) -> None:
    """Run ``tick`` now and every ``seconds``; never two at once, never a backlog of runs."""
    if app.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    for job in app.job_queue.get_jobs_by_name(TICK_JOB):
        job.schedule_removal()
    app.job_queue.run_repeating(
        tick,
        interval=seconds,
        first=0.5,
        name=TICK_JOB,
        job_kwargs={
            "max_instances": 1,  # a long fan-out is not joined by a second tick
            "coalesce": True,  # ticks missed meanwhile run once, not many times
            "misfire_grace_time": max(1, int(seconds)),  # a late tick still runs
        },
    )
