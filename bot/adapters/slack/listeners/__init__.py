"""Listeners grouped by kind, each module with `register(app, service, delivery)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.adapters.slack.delivery import Delivery
from bot.adapters.slack.listeners import actions, commands
from bot.core.service import Service


def register_listeners(app: AsyncApp, service: Service, delivery: Delivery) -> None:
    actions.register(app, service, delivery)  # first: bolt tries listeners in order, and
    commands.register(app, service, delivery)  # button presses are the busiest path
