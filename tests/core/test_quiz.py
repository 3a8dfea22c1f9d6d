"""Property tests for the pure quiz: percentages, top role, tie rule, drivers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.bundled import bundled_dir
from bot.core.content import load_content
from bot.core.models import Content
from bot.core.quiz import outcome, percentages
from tests.conftest import THREE_ROLES

BUNDLED = load_content(bundled_dir("content"))
THREE = load_content(THREE_ROLES)


def answers_for(content: Content) -> st.SearchStrategy[list[int]]:
    return st.tuples(*[st.integers(0, len(q.options) - 1) for q in content.questions]).map(list)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([BUNDLED, THREE]).flatmap(lambda c: st.tuples(st.just(c), answers_for(c))))
def test_any_answers_give_percentages_summing_to_100(case: tuple[Content, list[int]]) -> None:
    content, answers = case
    out = outcome(content, answers)
    assert sum(s.percent for s in out.scores) == 100
    assert all(0 <= s.percent <= 100 for s in out.scores)
    assert out.top_role in {r.id for r in content.roles}
    assert out.scores[0].role_id == out.top_role
    assert [s.points for s in out.scores] == sorted((s.points for s in out.scores), reverse=True)
    for tied in out.tied_with:
        assert next(s for s in out.scores if s.role_id == tied).points == out.scores[0].points


@given(st.lists(st.integers(0, 1000), min_size=1, max_size=6))
def test_largest_remainder_sums_to_100(points: list[int]) -> None:
    shares = percentages(points)
    assert sum(shares) == 100
    total = sum(points)
    if total:
        for share, p in zip(shares, points, strict=True):
            assert abs(share - p * 100 / total) < 1


def test_tie_goes_to_the_role_listed_first() -> None:
    # Alternate the strongest AI answer and the strongest ML answer: equal points.
    answers = []
    for n, q in enumerate(BUNDLED.questions):
        lead, other = ("ai_engineer", "ml_engineer") if n % 2 else ("ml_engineer", "ai_engineer")
        answers.append(max(range(len(q.options)),
                           key=lambda i: q.options[i].weight(lead) - q.options[i].weight(other)))
    out = outcome(BUNDLED, answers)
    assert out.scores[0].points == out.scores[1].points, "precondition: the answers tie"
    assert out.top_role == "ai_engineer" and out.tied_with == ("ml_engineer",)
    assert [s.percent for s in out.scores] == [50, 50]


def test_drivers_name_the_answers_that_favoured_the_top_role() -> None:
    answers = [max(range(len(q.options)), key=lambda i: q.options[i].weight("ml_engineer")
                   - q.options[i].weight("ai_engineer")) for q in BUNDLED.questions]
    out = outcome(BUNDLED, answers)
    assert out.top_role == "ml_engineer"
    assert out.scores[0].percent == 100
    assert 1 <= len(out.drivers) <= 3
    labels = {o.label for q in BUNDLED.questions for o in q.options}
    assert all(label in labels for _, label in out.drivers)


def test_each_role_of_three_can_win() -> None:
    for role in THREE.roles:
        answers = [max(range(len(q.options)), key=lambda i: q.options[i].weight(role.id) * 3
                       - sum(q.options[i].weight(r.id) for r in THREE.roles))
                   for q in THREE.questions]
        assert outcome(THREE, answers).top_role == role.id
