"""The /stats chart: the numbers it shows, the PNG, the empty case, through the service on
a real store."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from itertools import pairwise

import pytest

from bot.core import stats_chart
from bot.core.cards import Reply
from bot.core.commands import Invocation
from bot.core.errors import NotAllowed
from bot.core.models import Content, Place, UserRef
from bot.core.ports import Store
from bot.core.service import NO_RESULTS, Service
from tests.chart_checks import assert_chart
from tests.core.test_service import finish

PLACE = Place("discord", "guild1", "chan1")
ALICE = UserRef("discord", "", "alice")
BOB = UserRef("discord", "", "bob")
WEDNESDAY = datetime(2026, 11, 25, 15, 0, tzinfo=UTC).timestamp()
DAY = 24 * 3600


def test_weeks_start_on_monday_utc_and_end_with_this_week() -> None:
    starts = stats_chart.week_starts(WEDNESDAY)
    assert len(starts) == stats_chart.WEEKS == 8
    assert datetime.fromtimestamp(starts[-1], UTC) == datetime(2026, 11, 23, tzinfo=UTC)
    assert all(b - a == stats_chart.WEEK for a, b in pairwise(starts))


def test_finished_quizzes_fall_into_their_week() -> None:
    this_monday = stats_chart.week_starts(WEDNESDAY)[-1]
    finished = [WEDNESDAY, this_monday, this_monday - 1, WEDNESDAY - 7 * DAY,
                WEDNESDAY - 60 * DAY]  # the last is older than 8 weeks: left out
    weeks = stats_chart.per_week(finished, WEDNESDAY)
    assert [n for _, n in weeks] == [0, 0, 0, 0, 0, 0, 2, 2]
    assert weeks[-1][0] == "23 Nov" and weeks[0][0] == "5 Oct"


def test_progress_is_per_stage_and_a_shortened_path_counts_as_all_done(
    content: Content,
) -> None:
    ai = content.roles[0]
    stages = len(content.path_for(ai.id).stages)
    data = stats_chart.chart_data(content, {ai.id: 3}, [], {ai.id: {1: 2, stages + 2: 1},
                                                            "gone_role": {1: 5}}, WEDNESDAY)
    series = data.roles[0]
    assert series.people == 3 and series.color == f"#{ai.color:06x}"
    assert series.progress[0] == 2 and series.progress[-1] == 1 and sum(series.progress) == 3
    assert [r.name for r in data.roles] == [r.name for r in content.roles]
    assert data.people == 3


def test_alt_text_says_it_all_within_the_limit(content: Content) -> None:
    data = stats_chart.chart_data(content, {"ai_engineer": 2, "ml_engineer": 1},
                                  [WEDNESDAY], {"ml_engineer": {2: 1}}, WEDNESDAY)
    alt = stats_chart.alt_text(data)
    assert "AI Engineer 2, ML Engineer 1" in alt and "23 Nov: 1" in alt
    assert "ML Engineer: 1 with 2 done" in alt and "AI Engineer: nobody yet" in alt
    long = stats_chart.ChartData("t", data.roles * 40, data.weeks)
    assert len(stats_chart.alt_text(long)) == stats_chart.ALT_LIMIT


def test_the_png_decodes_to_a_clean_chart(content: Content) -> None:
    data = stats_chart.chart_data(content, {"ai_engineer": 5, "ml_engineer": 2},
                                  [WEDNESDAY - n * DAY for n in range(20)],
                                  {"ai_engineer": {1: 3, 2: 1}, "ml_engineer": {3: 1}},
                                  WEDNESDAY)
    assert_chart(stats_chart.draw(data), content)


def test_nobody_on_a_path_yet_still_draws(content: Content) -> None:
    data = stats_chart.chart_data(content, {"ai_engineer": 1, "ml_engineer": 1}, [], {},
                                  WEDNESDAY)
    assert_chart(stats_chart.draw(data), content)


async def test_stats_reply_has_the_table_and_the_chart(service: Service, store: Store) -> None:
    await finish(service, ALICE, pick=0)
    await finish(service, BOB, pick=1)
    await store.set_stage(ALICE, "ai_engineer", "foundations", PLACE.scope, True, time.time())
    with pytest.raises(NotAllowed):
        await service.stats_reply(PLACE, is_admin=False)
    reply = await service.stats_reply(PLACE, is_admin=True)
    assert reply.card == await service.stats(PLACE, is_admin=True)  # the text table, as before
    assert reply.image is not None and reply.image.filename == "pathbot-stats.png"
    assert "Latest result per person" in reply.image.alt
    assert_chart(reply.image.data, service.content)


async def test_no_results_here_gives_a_friendly_text_and_no_image(service: Service) -> None:
    await finish(service, ALICE)
    elsewhere = Place("discord", "another-guild", "c")
    reply: Reply = await service.command(
        "/stats", Invocation(ALICE, elsewhere, None, is_admin=True))
    assert reply.image is None
    assert reply.card.sections[0].text == NO_RESULTS


async def test_admins_asking_at_once_each_get_their_chart(service: Service) -> None:
    await finish(service, ALICE, pick=0)
    other = Place("discord", "guild2", "c")
    await finish_in(service, ALICE, other)
    await finish_in(service, BOB, other)
    here, there = await asyncio.gather(service.stats_reply(PLACE, True),
                                       service.stats_reply(other, True))
    assert here.image is not None and there.image is not None
    assert here.image.data != there.image.data  # one person here, two there
    assert_chart(here.image.data, service.content, every_role=False)
    assert_chart(there.image.data, service.content, every_role=False)


async def finish_in(service: Service, user: UserRef, place: Place) -> None:
    from bot.core import actions

    card_id, _ = await service.open_quiz(place)
    card = (await service.press(user, actions.build("start", card_id), place)).card
    for _ in service.content.questions:
        card = (await service.press(user, card.buttons[0][0].action_id, place)).card
