"""Signals other apps listen to; surveys never imports them (data flows agents ← surveys ← analytics)."""

from django.dispatch import Signal

# Sent inside the transaction that stores a Response, before it commits; kwargs: response.
# Listeners write only what must commit or roll back with the answer (the dirty-bucket
# mark): a failing listener fails the answer, so they stay one cheap statement each.
response_recorded = Signal()

# Sent after the transaction that stored a Response has committed; kwargs: response.
response_submitted = Signal()
