"""Keep buckets fresh: each stored answer marks its bucket dirty and schedules a flush.

The mark is written in the answer's own transaction (`response_recorded`), so an answer
that is stored is always marked: nothing a crash after the commit can lose. Bursts
coalesce: at most one flush is scheduled at a time (a cache flag), and one flush
recomputes every key marked since the previous one, then sends `buckets_flushed` (followups
opens the cases of the detractor answers among them) and tags the why-texts of the answers
it covered, in one batch (analytics.themes.tagging.tag_flushed). If the broker or cache is down, the marks stay in the
database and the periodic flush picks them up.
"""

import contextlib
import logging

from django.core.cache import cache
from django.dispatch import receiver

from analytics import buckets
from analytics.tasks import FLUSH_SCHEDULED, flush_nps_buckets
from nps_project.enqueue import enqueue
from nps_project.redis_guard import RedisUnavailable
from surveys.signals import response_recorded, response_submitted

logger = logging.getLogger(__name__)
FLUSH_DELAY_SECONDS = 0.5


@receiver(response_recorded, dispatch_uid="analytics-mark-dirty")
def mark_bucket_dirty(sender, response, **kwargs) -> None:
    buckets.mark_dirty(
        department_id=response.department_id,
        agent_id=response.agent_id,
        channel=response.channel,
        occurred_at=response.occurred_at,
    )


@receiver(response_submitted, dispatch_uid="analytics-schedule-flush")
def schedule_flush_after_answer(sender, response, **kwargs) -> None:
    """The flush recomputes the bucket, tags the why-text; its listeners open the case of a
    detractor answer. No task per answer: a burst shares one flush."""
    schedule_flush()


def schedule_flush() -> None:
    try:
        first = cache.add(FLUSH_SCHEDULED, 1, timeout=30)
    except RedisUnavailable:  # known to be down (nps_project/redis_guard.py logged it once)
        return
    except Exception:
        logger.warning("Cache unavailable; the periodic flush will recompute buckets", exc_info=True)
        return
    if first and not enqueue(flush_nps_buckets, countdown=FLUSH_DELAY_SECONDS):
        with contextlib.suppress(Exception):  # the flag expires by itself in 30 s
            cache.delete(FLUSH_SCHEDULED)
