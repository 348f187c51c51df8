"""The integrations app's models: connectors in (models_connectors), webhooks out."""

from integrations.models_connectors import Connector, DeadLetter

__all__ = ["Connector", "DeadLetter"]
