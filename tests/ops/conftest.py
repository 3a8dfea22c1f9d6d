"""Fixtures for the operations tests: the fake Slack and an HTTP client (no proxies)."""

from __future__ import annotations

from tests.slack_fixtures import _no_proxy, fake, http

__all__ = ["_no_proxy", "fake", "http"]
