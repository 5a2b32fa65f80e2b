"""/stats' picture: questions per day (answered and declined) and 👍/👎 as a small PNG.

matplotlib is imported inside the functions, not at the top: it takes most of a second, which
the bot's start and the CLI's quick commands must not pay for a chart only admins ask for
(``tests/test_startup.py`` checks). The figure is drawn with ``Figure`` and the Agg canvas, not
pyplot: no global state and no GUI backend, so it is safe in a worker thread.
"""

from __future__ import annotations

import io
import threading
from typing import TYPE_CHECKING

from handlers import i18n
from handlers.i18n import ENGLISH, Translate
from knowledge import Activity

if TYPE_CHECKING:
    from matplotlib.figure import Figure

ANSWERED = "#2e7d32"
DECLINED = "#bdbdbd"
THUMBS_UP = "#1e88e5"
THUMBS_DOWN = "#e53935"
SIZE = (8.0, 4.8)  # inches; at DPI, 800 × 480 px: readable on a phone, a few tens of KB
DPI = 100
TICK_EVERY = 5  # days between date labels (and the last day always labelled)
# matplotlib does not promise thread safety (its font and text caches are shared): two admins'
# /stats in two worker threads draw one after the other
_DRAWING = threading.Lock()


def caption(activity: Activity, *, tr: Translate = ENGLISH) -> str:
    """The photo's caption: what it shows and in which zone its days are (plain text); the
    chart's words are in the same language (DejaVu Sans has Cyrillic)."""
    n, language = len(activity.days), tr.language
    said = i18n.ngettext(
        language,
        "Questions per day, last {n} day ({zone} time)",
        "Questions per day, last {n} days ({zone} time)",
        n,
    )
    return said.format(n=n, zone=activity.zone)


def activity_png(activity: Activity, *, tr: Translate = ENGLISH) -> bytes:
    """The chart of ``activity`` as PNG bytes, its words in the admin's language."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    with _DRAWING:
        FigureCanvasAgg(activity_figure(activity, tr=tr)).print_png(buffer)
    return buffer.getvalue()


def activity_figure(activity: Activity, *, tr: Translate = ENGLISH) -> Figure:
    """Two panels over the same days: stacked answered/declined bars; 👍 up, 👎 down."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    x = list(range(len(activity.days)))
    answered = [w.answered for w in activity.counts]
    declined = [w.declined for w in activity.counts]
    up = [w.thumbs_up for w in activity.counts]
    down = [-w.thumbs_down for w in activity.counts]

    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    questions, feedback = figure.subplots(
        2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.4]}
    )
    answered_label = tr("answered ({n})").format(n=sum(answered))
    declined_label = tr("declined ({n})").format(n=sum(declined))
    questions.bar(x, answered, color=ANSWERED, label=answered_label)
    questions.bar(x, declined, bottom=answered, color=DECLINED, label=declined_label)
    top = max((a + d for a, d in zip(answered, declined, strict=True)), default=0)
    questions.set_ylim(0, max(top, 1) * 1.15)  # an empty month still gets a 0-1 axis
    questions.set_ylabel(tr("questions"))
    questions.set_title(caption(activity, tr=tr), fontsize=11)
    questions.legend(loc="upper left", frameon=False, fontsize=9)

    # DejaVu Sans (matplotlib's font) has no emoji: the labels spell them out
    feedback.bar(x, up, color=THUMBS_UP, label=tr("thumbs up ({n})").format(n=sum(up)))
    thumbs_down = tr("thumbs down ({n})").format(n=-sum(down))
    feedback.bar(x, down, color=THUMBS_DOWN, label=thumbs_down)
    reach = max([*up, *(-d for d in down), 1])
    feedback.set_ylim(-reach * 1.2, reach * 2.0)  # headroom above for the legend
    feedback.axhline(0, color="#616161", linewidth=0.8)
    feedback.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):g}"))  # 👎 count
    feedback.set_ylabel(tr("feedback"))
    feedback.legend(loc="upper left", frameon=False, fontsize=8, ncols=2)

    for axes in (questions, feedback):
        axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(axis="y", color="#eeeeee")
        axes.set_axisbelow(True)
    ticks = sorted({*x[::TICK_EVERY], x[-1]}) if x else []
    days = [i18n.format_short_day(activity.days[i], tr.language) for i in ticks]
    feedback.set_xticks(ticks, days)
    feedback.set_xlabel(tr("day ({zone} time)").format(zone=activity.zone))
    if x:
        feedback.set_xlim(-0.6, x[-1] + 0.6)
    return figure
