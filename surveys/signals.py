"""Signals other apps listen to; surveys never imports them (data flows agents ← surveys ← analytics)."""

from django.dispatch import Signal

# Sent after the transaction that stored a Response has committed; kwargs: response.
response_submitted = Signal()
