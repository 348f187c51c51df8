"""Signals analytics sends; it never imports its listeners (agents ← surveys ← analytics ← followups)."""

from django.dispatch import Signal

# Sent by the flush after it recomputed the buckets new answers touched; kwargs: keys (a list
# of analytics.buckets.BucketKey). Followups opens the cases of the detractor answers among them.
buckets_flushed = Signal()
