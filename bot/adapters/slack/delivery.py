"""Everything pathbot sends to Slack: private and public replies, the quiz card, DMs, tallies.

Private answers go through the request's `response_url` (ephemeral messages, replaced as
the quiz advances); when Slack refuses it (expired after 30 minutes or used 5 times) the
same message goes through `chat.postEphemeral`/`chat.postMessage` instead. All Web API
calls share the app's AsyncWebClient (one aiohttp session, rate-limit retries).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any, Literal

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics, observe
from bot.adapters.slack import response_url
from bot.adapters.slack.api_errors import UNREADABLE_200, dm_outcome, error_code
from bot.adapters.slack.context import PLATFORM, Origin
from bot.adapters.slack.render import fallback_text, to_blocks
from bot.core.card_builders import notice
from bot.core.cards import Card, Image, Reply, Section
from bot.core.coalesce import Coalescer
from bot.core.dm import DmOutcome
from bot.core.errors import DomainError, user_text
from bot.core.records import QuizCard
from bot.core.service import Service

log = logging.getLogger(__name__)

NETWORK_ERROR = "network_error"  # ours: Slack could not be reached
ResponseType = Literal["ephemeral", "in_channel"]
IMAGE_SENT = "The chart is in your direct messages with pathbot."


class CannotPost(DomainError):
    def __init__(self, error: str) -> None:
        super().__init__(
            f"I couldn't post in this channel (Slack said `{error}`). Invite me with "
            "`/invite @pathbot` and try again."
        )


def message(card: Card) -> dict[str, Any]:
    return {"text": fallback_text(card), "blocks": to_blocks(card)}


class Delivery:
    def __init__(
        self, client: AsyncWebClient, service: Service, coalescer: Coalescer,
        admins: tuple[str, ...] = (),
    ) -> None:
        self.client = client
        self.service = service
        self.coalescer = coalescer
        self.admins = frozenset(admins)

    # -- answering the person -----------------------------------------------------------------
    async def private(self, origin: Origin, card: Card, *, replace: bool = False) -> None:
        await self._respond(origin, card, "ephemeral", replace)

    async def in_channel(self, origin: Origin, card: Card) -> None:
        await self._respond(origin, card, "in_channel", False)

    async def _respond(
        self, origin: Origin, card: Card, kind: ResponseType, replace: bool
    ) -> None:
        body = {**message(card), "response_type": kind, "replace_original": replace}
        status = await self._post_response_url(origin.response_url, body)
        if status == 200:
            return
        log.warning("response_url answered %s; sending through the Web API instead", status)
        if kind == "ephemeral":
            await self.client.chat_postEphemeral(
                channel=origin.channel_id, user=origin.user_id, **message(card))
        else:
            await self.client.chat_postMessage(channel=origin.channel_id, **message(card))

    async def _post_response_url(self, url: str, body: dict[str, Any]) -> int:
        if not url:
            return 0
        return await response_url.post(self.client, url, body)

    async def reply(self, origin: Origin, reply: Reply, *, replace: bool = False) -> None:
        """Deliver what the service answered: tally edit (in the background), public card,
        DM (or its fallback), private card."""
        for card_id in reply.refresh_cards:
            self.refresh(card_id)
        if reply.public is not None:
            await self.share(origin, reply.public)
        card = reply.card
        if reply.dm is not None:
            card = await self._dm_or_fallback(origin, reply.dm, card)
        await self.private(origin, card, replace=replace)

    @asynccontextmanager
    async def guard(self, origin: Origin, what: str) -> AsyncIterator[None]:
        """DomainError -> its message privately; anything else -> logged, private apology."""
        try:
            yield
        except Exception as exc:
            observe.failed_by(exc)
            await self._quietly(origin, notice("", user_text(exc, what)), what)

    async def _quietly(self, origin: Origin, card: Card, what: str) -> None:
        try:
            await self.private(origin, card)
        except (SlackApiError, UNREADABLE_200) as exc:  # Slack's answer says why: one line
            log.warning("slack: could not tell the user that %s failed (%s)", what,
                        error_code(exc))
        except Exception:
            log.exception("slack: could not tell the user that %s failed", what)

    # -- channel messages ---------------------------------------------------------------------
    async def post(self, channel: str, card: Card) -> str:
        """Post `card` in `channel`; its `ts`. CannotPost (shown privately) if Slack refuses."""
        try:
            posted = await self.client.chat_postMessage(channel=channel, **message(card))
        except SlackApiError as exc:
            raise CannotPost(error_code(exc)) from exc
        return str(posted["ts"])

    async def share(self, origin: Origin, card: Card) -> None:
        """A public card; through the response_url when the bot is not in the channel."""
        try:
            await self.client.chat_postMessage(channel=origin.channel_id, **message(card))
        except SlackApiError as exc:
            log.info("chat.postMessage refused (%s); sharing through response_url",
                     error_code(exc))
            await self.in_channel(origin, card)

    # -- direct messages ----------------------------------------------------------------------
    async def dm(self, user_id: str, card: Card) -> str:
        """Send `card` by DM: "" when sent, else Slack's error code (or what went wrong)."""
        try:
            opened = await self.client.conversations_open(users=user_id)
            data = opened.data if isinstance(opened.data, dict) else {}
            channel = str((data.get("channel") or {}).get("id") or user_id)
            await self.client.chat_postMessage(channel=channel, **message(card))
        except (SlackApiError, UNREADABLE_200) as exc:
            return error_code(exc)
        except (aiohttp.ClientError, TimeoutError):
            return NETWORK_ERROR  # logged by the caller, with the fallback it takes
        return ""

    async def dm_outcome(self, user_id: str, card: Card) -> DmOutcome:
        """Send `card` by DM; what became of it (counted in pathbot_dm_total)."""
        error = await self.dm(user_id, card)
        outcome = dm_outcome(error) if error else DmOutcome.SENT
        metrics.dm(PLATFORM, outcome.value)
        if error:
            log.info("slack: DM failed (%s, %s)", error, outcome.value)
        return outcome

    async def _dm_or_fallback(self, origin: Origin, dm: Card, card: Card) -> Card:
        outcome = await self.dm_outcome(origin.user_id, dm)  # a failure is logged there
        fallback = await self.service.after_dm(origin.user, dm, outcome)
        return card if fallback is None else fallback

    # -- a reply's picture (the /stats chart) --------------------------------------------------
    async def with_image(self, origin: Origin, reply: Reply) -> Reply:
        """Upload `reply.image` to the person's DM (an ephemeral message cannot carry a
        file) and say so on the private card; if the upload fails, the card alone (its
        text table says the same)."""
        if reply.image is None:
            return reply
        error = await self._upload(origin.user_id, reply.image)
        if error:
            log.warning("slack: the %s upload failed (%s); answering with the text alone",
                        reply.image.filename, error)
            return replace(reply, image=None)
        sent = (*reply.card.sections, Section(IMAGE_SENT))
        return replace(reply, card=replace(reply.card, sections=sent), image=None)

    async def _upload(self, user_id: str, image: Image) -> str:
        """"" when the file is in the person's DM, else why not."""
        try:
            opened = await self.client.conversations_open(users=user_id)
            await self.client.files_upload_v2(
                channel=opened["channel"]["id"], file=image.data, filename=image.filename,
                title=image.filename, alt_txt=image.alt)
        except SlackApiError as exc:
            return str(exc.response.get("error") or "unknown_error")
        except SlackRequestError as exc:  # the upload POST itself was refused
            return f"upload refused: {exc}"
        except (aiohttp.ClientError, TimeoutError):
            return NETWORK_ERROR
        return ""

    # -- the in-channel quiz card's tally -----------------------------------------------------
    def refresh(self, card_id: str) -> None:
        """Edit the quiz card with the fresh tally: coalesced, at most one edit per interval."""
        self.coalescer.submit(card_id, lambda: self._update_card(card_id))

    async def _update_card(self, card_id: str) -> None:
        if not await self.service.edit_quiz_card(card_id, self._edit_card):
            self.refresh(card_id)  # another replica is editing it: again after the interval

    async def _edit_card(self, record: QuizCard, card: Card) -> bool:
        channel, ts = record.location()
        if record.platform != PLATFORM or not ts:
            return False
        await self.client.chat_update(channel=channel, ts=ts, **message(card))
        return True

    # -- who may see /stats -------------------------------------------------------------------
    async def is_admin(self, user_id: str) -> bool:
        """Listed in PATHBOT_SLACK_ADMINS, or a workspace admin/owner per users.info."""
        if user_id in self.admins:
            return True
        try:
            info = await self.client.users_info(user=user_id)
        except (SlackApiError, UNREADABLE_200) as exc:
            log.warning("users.info failed (%s); treating the user as no admin",
                        error_code(exc))
            return False
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("users.info failed (%s); treating the user as no admin",
                        type(exc).__name__)
            return False
        user = info.data.get("user") if isinstance(info.data, dict) else None
        if not isinstance(user, dict):
            return False
        return any(bool(user.get(k)) for k in ("is_admin", "is_owner", "is_primary_owner"))

    async def close(self, timeout: float = 5.0) -> None:
        """Send pending tally edits (bounded by `timeout`), then cancel what is left."""
        try:
            await asyncio.wait_for(self.coalescer.flush(), timeout)
        except TimeoutError:
            log.warning("slack: pending quiz card edits dropped at shutdown")
        await self.coalescer.close()
