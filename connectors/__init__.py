"""The connectors: one module per platform, registered here by hand.

REGISTRY maps a source `type` in config.yaml to the module and class that fetch
it.  Modules are imported when first used, so a broken or slow import of one
platform never stops the others.
"""

from __future__ import annotations

import importlib

from .base import Connector, ConnectorError, SourceSettings, read_settings

REGISTRY: dict[str, str] = {
    "mastodon": "connectors.mastodon:MastodonConnector",
    "bluesky": "connectors.bluesky:BlueskyConnector",
    "threads": "connectors.threads:ThreadsConnector",
    "rss": "connectors.rss:RssConnector",
    "x": "connectors.x:XConnector",
    "instagram": "connectors.instagram:InstagramConnector",
    "facebook": "connectors.facebook:FacebookConnector",
    "linkedin": "connectors.linkedin:LinkedInConnector",
    "manual": "connectors.manual:ManualConnector",
}


def connector_class(source_type: str) -> type[Connector]:
    """The connector class for a source type (a key of REGISTRY)."""
    module_name, _, class_name = REGISTRY[source_type].partition(":")
    return getattr(importlib.import_module(module_name), class_name)


__all__ = ["REGISTRY", "Connector", "ConnectorError", "SourceSettings", "connector_class", "read_settings"]
