"""The Celery application: configured from Django settings (CELERY_*), tasks autodiscovered."""

import os

from celery import Celery
from celery.app.amqp import AMQP
from kombu import Connection

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nps_project.settings")


class BrokerConnection(Connection):
    """Reconnects to a lost broker every BROKER_RECONNECT_INTERVAL_MAX seconds at most.

    kombu waits 2, 4, 6 … up to 30 s between attempts and Celery has no setting for it, so
    after a long Redis outage a worker could sit idle for half a minute after Redis came
    back: too long for "invitations go out within 60 s" (tests/faults/).
    """

    def ensure_connection(
        self,
        errback=None,
        max_retries=None,
        interval_start=None,
        interval_step=None,
        interval_max=None,
        **kwargs,
    ):
        from django.conf import settings

        ceiling = settings.BROKER_RECONNECT_INTERVAL_MAX
        return super().ensure_connection(
            errback,
            max_retries,
            min(1 if interval_start is None else interval_start, ceiling),
            min(1 if interval_step is None else interval_step, ceiling),
            min(ceiling if interval_max is None else interval_max, ceiling),
            **kwargs,
        )


class BrokerAMQP(AMQP):
    Connection = BrokerConnection


app = Celery("nps_project", amqp=BrokerAMQP)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
