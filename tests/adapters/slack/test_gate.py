"""gate.parse: the `payload=` form decoded by form_payload reads exactly as bolt's own
parse_qsl reading, for anything; whatever it does not take, bolt parses as before."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from hypothesis import given
from hypothesis import strategies as st
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.adapters.slack.gate import Refused, form_payload, parse
from tests.fakes.slack_requests import block_actions_body

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def bolt_reads(body: bytes, headers: dict[str, str] = FORM) -> Any:
    """What bolt makes of the raw body (the reading pathbot had before form_payload)."""
    return AsyncBoltRequest(body=body.decode("utf-8"), headers=dict(headers)).body


@given(st.dictionaries(st.text(), JSON_VALUES, max_size=6))
def test_any_json_payload_reads_as_bolt_reads_it(payload: dict[str, Any]) -> None:
    body = urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
    text = form_payload(body, FORM)
    assert text is not None
    assert json.loads(text) == bolt_reads(body) == payload


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_any_ascii_form_value_decodes_as_parse_qsl_or_is_left_to_bolt(value: str) -> None:
    body = ("payload={" + value).encode()  # "{" keeps it a candidate for the JSON reading
    text = form_payload(body, FORM)
    if text is not None:
        assert text == dict(parse_qsl(body.decode(), keep_blank_values=True))["payload"]


def test_escapes_backslashes_and_plus_read_as_in_a_form() -> None:
    body = b"payload=%7B%22a%22%3A%22x+y%2B%5C%5C+%C3%A9%E2%9C%93%26%3D%25%22%7D"
    assert form_payload(body, FORM) == '{"a":"x y+\\\\ é✓&=%"}'
    raw_backslash = b'payload={"a":"\\\\n"}'  # not escaped by the sender: stays as sent
    assert form_payload(raw_backslash, FORM) == '{"a":"\\\\n"}'


def test_what_it_does_not_take_is_left_to_bolt() -> None:
    for body in (b"payload=%7B%22a%22%3A1%7D&x=1",  # more than one field
                 b"payload=%7B%zz%7D", b"payload=%7B%2", b"payload=%7B%",  # broken escapes
                 b"payload=%5B1%5D",  # JSON, but not an object: bolt's form reading
                 "payload={\"é\":1}".encode(),  # not ASCII
                 b"command=%2Fquiz&text=", b'{"type":"event_callback"}'):
        assert form_payload(body, FORM) is None, body
    json_typed = {"Content-Type": "Application/JSON; charset=utf-8"}
    assert form_payload(b"payload=%7B%7D", json_typed) is None


def test_parse_gives_bolt_the_same_request_body_either_way() -> None:
    body = block_actions_body("pb:ans:x", response_url="https://hooks.example/r", user_id="U1")
    request = parse(body, "", FORM)
    assert not isinstance(request, Refused)
    assert request.body == bolt_reads(body)
    assert request.body["actions"][0]["action_id"] == "pb:ans:x"


def test_a_payload_that_is_not_json_is_still_a_400() -> None:
    refused = parse(b"payload=%7Bnot+json", "", FORM)
    assert refused == Refused(400, "malformed body")
