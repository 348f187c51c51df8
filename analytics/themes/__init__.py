"""Themes in the customers' why-texts: the tagger (pure Python), its storage, tagging
tasks, the themes API and pages. See tagger.py for the method."""

DEFAULT_KEYS = (
    "wait_time",
    "transfer",
    "resolution",
    "knowledge",
    "attitude",
    "verification",
    "callback",
    "billing",
    "technical",
    "process",
)
