"""Signals other apps (integrations) listen to; followups never imports its listeners.

Each is sent after the transaction that made the change has committed.
"""

from django.dispatch import Signal

# A detractor answer opened a case; kwargs: case.
case_opened = Signal()
# A case was resolved or closed; kwargs: case.
case_resolved = Signal()
# An alert rule fired (followups/rules.py); kwargs: alert, a dict {"rule", "rule_id", "subject",
# "text", "url", "case_id" (or None), "agent" (name or None), "department" (code or None)}.
alert_fired = Signal()
