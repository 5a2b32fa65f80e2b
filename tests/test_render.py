"""Rendering: every message parses as Telegram HTML and fits in 4,096 UTF-16 units."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.render import LIMIT, esc, pack, shorten, stats_html, utf16_len
from knowledge import Stats, Window
from tests.fake_bot_api import parse_html

sentences = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300
).map(lambda t: esc(t.replace("\n", " ")) + ".")
blocks = st.lists(sentences, min_size=1, max_size=40).map(" ".join)
tagged = st.tuples(blocks, st.sampled_from(["b", "i", "blockquote"])).map(
    lambda bt: f"<{bt[1]}>{bt[0][:500]}</{bt[1]}> {bt[0]}"
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(blocks, tagged), min_size=1, max_size=30), st.integers(200, LIMIT))
def test_pack_keeps_every_word_and_valid_html(parts: list[str], limit: int) -> None:
    messages = pack(parts, limit=limit)
    for message in messages:
        assert utf16_len(message) <= limit
    shown = "".join(parse_html(m)[0] for m in messages)  # raises on broken markup
    meant = "".join(parse_html(p)[0] for p in parts)
    assert "".join(shown.split()) == "".join(meant.split())


def test_long_text_splits_on_sentence_boundaries() -> None:
    sentence = "The envoy said the talks would resume in Geneva next month. "
    block = sentence * 200  # about 12,000 characters
    messages = pack([block])
    assert len(messages) == 3
    for message in messages:
        assert message.rstrip().endswith("next month.")


def test_emoji_count_twice_as_telegram_counts() -> None:
    block = "🙂 " * 3000  # 6,000 characters, 9,000 UTF-16 units
    assert utf16_len(block) == 9000
    messages = pack(["intro", block])
    assert all(utf16_len(m) <= LIMIT for m in messages)
    assert len(messages) == 4  # the intro, then 9,000 units in three


def test_escaping_leaves_no_markup() -> None:
    text, entities = parse_html(esc('<b>1 < 2 & "x"</b>'))
    assert text == '<b>1 < 2 & "x"</b>'
    assert entities == []


def test_shorten_cuts_with_an_ellipsis_only_when_needed() -> None:
    assert shorten("who is de Mistura?", 60) == "who is de Mistura?"
    cut = shorten("word " * 50, 20)
    assert len(cut) <= 20
    assert cut.endswith("…")


def test_stats_lists_a_pasted_article_asked_as_a_question_by_its_first_line() -> None:
    pasted = "The council voted on Monday to close the old bridge. " * 40
    stats = Stats(
        articles=1,
        facts=20,
        entities=5,
        subscribers={},
        day=Window(),
        week=Window(),
        unanswered=[(pasted, 2)],
        sends_day=(0, 0),
        sends_week=(0, 0),
        feeds=[],
    )
    line = stats_html(stats).splitlines()[-1]
    assert line.startswith("2× The council voted on Monday")
    assert len(line) < 140
