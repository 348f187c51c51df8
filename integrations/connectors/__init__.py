"""The platforms a connector can receive from, by name (Connector.platform)."""

from integrations.connectors.base import Ignored, Options, Platform, Received, Unmappable
from integrations.connectors.intercom import Intercom
from integrations.connectors.twilio import Twilio
from integrations.connectors.zendesk import Zendesk

PLATFORMS: dict[str, type[Platform]] = {cls.source: cls for cls in (Zendesk, Intercom, Twilio)}

__all__ = ["PLATFORMS", "Ignored", "Options", "Platform", "Received", "Unmappable"]
