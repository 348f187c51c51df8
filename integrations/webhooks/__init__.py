"""Webhooks out: subscriptions, signed deliveries with retries, Slack and Teams targets.

models in integrations/models.py · subscribe/unsubscribe/replay in services.py · the HTTP
try in delivery.py · address checks in ssrf.py · payloads in events.py and targets.py ·
signal listeners in receivers.py · Celery tasks in tasks.py.
"""
