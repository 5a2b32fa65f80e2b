"""The button codec: every kind's data fits Telegram's 64 bytes, decodes to what was encoded,
and matches its own pattern only."""

from __future__ import annotations

import datetime as dt

import pytest

from handlers import buttons


def test_each_kind_round_trips_within_64_bytes() -> None:
    encoded = {
        buttons.SOURCE: buttons.source("12:345"),
        buttons.MORE: buttons.more(987654321),
        buttons.FEEDBACK: buttons.feedback(42, -1),
        buttons.FACT: buttons.fact("7"),  # a bare fact id, as buttons sent before
        buttons.QUESTION: buttons.question("Who is Xie Xiaoyan?"),
        buttons.REMOVE: buttons.remove(3),
    }
    for pattern, data in encoded.items():
        assert data is not None
        assert 1 <= len(data.encode()) <= buttons.MAX_DATA_BYTES
        assert [p for p in buttons.KINDS if p.match(data)] == [pattern], data
    assert buttons.decode_source(encoded[buttons.SOURCE]) == "12:345"
    assert buttons.decode_more(encoded[buttons.MORE]) == 987654321
    assert buttons.decode_feedback(encoded[buttons.FEEDBACK]) == (42, -1)
    assert buttons.decode_fact(encoded[buttons.FACT]) == "7"
    assert buttons.decode_question(encoded[buttons.QUESTION]) == "Who is Xie Xiaoyan?"
    assert buttons.decode_remove(encoded[buttons.REMOVE]) == 3
    assert buttons.decode_remove(buttons.REMOVE_CANCEL) is None


def test_a_question_over_64_bytes_gets_no_button() -> None:
    assert buttons.question("w" * 62) == "q:" + "w" * 62
    assert buttons.question("w" * 63) is None
    assert buttons.question("é" * 31) is not None  # 2 bytes each: 64 in all
    assert buttons.question("é" * 32) is None


@pytest.mark.parametrize("data", ["zz:1", "fb:abc", "fb:1:2", "src:", "more:", "rm:all", "", None])
def test_data_of_no_kind_is_refused(data: str | None) -> None:
    if data:
        assert not any(p.match(data) for p in buttons.KINDS if p is not buttons.QUESTION)
    for decode in (
        buttons.decode_source,
        buttons.decode_more,
        buttons.decode_feedback,
        buttons.decode_remove,
    ):
        with pytest.raises(buttons.ButtonDataError):
            decode(data)


def test_digest_and_subscription_buttons_round_trip() -> None:
    encoded = {
        buttons.ABOUT: buttons.about(12),
        buttons.SCHEDULE: buttons.schedule(dt.time(7, 30), "San Francisco"),
        buttons.MENU: buttons.MENU_DATA,
        buttons.LOCATE: buttons.LOCATE_DATA,
        buttons.UNSUBSCRIBE: buttons.UNSUBSCRIBE_DATA,
    }
    for pattern, data in encoded.items():
        assert data is not None
        assert [p for p in buttons.KINDS if p.match(data)] == [pattern], data
    assert buttons.decode_about(encoded[buttons.ABOUT]) == 12
    assert buttons.decode_schedule(encoded[buttons.SCHEDULE]) == (dt.time(7, 30), "San Francisco")
    assert buttons.decode_schedule(buttons.schedule(None)) == (None, None)
    assert buttons.decode_schedule(buttons.schedule(dt.time(21))) == (dt.time(21), None)
    assert buttons.schedule(dt.time(8), "x" * 60) is None, "a place too long for 64 bytes"
    with pytest.raises(buttons.ButtonDataError):
        buttons.decode_schedule("sub:2575")


def test_follow_and_timeline_buttons_round_trip() -> None:
    encoded = {
        buttons.FOLLOW: buttons.follow(2**31),
        buttons.UNFOLLOW: buttons.unfollow(77),
        buttons.TIMELINE: buttons.timeline(2**31, 12),
    }
    for pattern, data in encoded.items():
        assert 1 <= len(data.encode()) <= buttons.MAX_DATA_BYTES
        assert [p for p in buttons.KINDS if p.match(data)] == [pattern], data
    assert buttons.decode_follow(encoded[buttons.FOLLOW]) == (2**31, False)
    assert buttons.decode_follow(buttons.follow(3, choice=True)) == (3, True)
    assert buttons.decode_unfollow(encoded[buttons.UNFOLLOW]) == (77, False)
    assert buttons.decode_unfollow(buttons.unfollow(77, on_list=True)) == (77, True)
    assert buttons.decode_timeline(encoded[buttons.TIMELINE]) == (2**31, 12)
    assert buttons.decode_timeline(buttons.timeline(5)) == (5, 0)
    assert not buttons.UNSUBSCRIBE.match(buttons.unfollow(1)), "unfollow is not unsubscribe"
    for bad in ("fol:x", "fol:1:l", "unf:1:x", "tl:1", "tl:1:-1"):
        assert not any(p.match(bad) for p in buttons.KINDS if p is not buttons.QUESTION), bad
