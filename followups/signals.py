"""Signals other apps (integrations) listen to; followups never imports its listeners.

Each is sent after the transaction that made the change has committed.
"""

from django.dispatch import Signal

# A detractor answer opened a case; kwargs: case.
case_opened = Signal()
# A case was resolved or closed; kwargs: case.
case_resolved = Signal()
# An alert went out (to a supervisor, a channel); kwargs: alert (a dict: rule, subject, text, url, case_id).
alert_fired = Signal()
