"""Numbers and spec text as the picture and its page print them.

Why a module of its own: the SVG header, the tile boxes and the HTML tables must write a
count, a rate or a duration the same way, and must cut long spec text the same way. The
width estimates stand in for font metrics (the picture fetches no font and measures none):
they are deliberately generous, so a cut string always fits its box.
"""

from __future__ import annotations

from journeys.metrics.readout import JourneyMetrics

ELLIPSIS = "…"
# Average advance of a character, as a fraction of the font size: wide enough for DejaVu
# Sans (the widest of the usual fallbacks), so text sized by it never overflows.
CHAR_WIDTH = 0.6
BOLD_CHAR_WIDTH = 0.68


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Estimated width in px of ``text`` at ``size`` px (no font is measured).

    Example:
        >>> text_width("abcd", 10)
        24.0
    """
    return len(text) * size * (BOLD_CHAR_WIDTH if bold else CHAR_WIDTH)


def fit(text: str, width: float, size: float, *, bold: bool = False) -> str:
    """``text`` on one line, cut with an ellipsis so that it fits ``width`` px.

    Example:
        >>> fit("signed_up_at >= run_at - interval 1 day", 90, 10)
        'signed_up_at >…'
    """
    line = " ".join(text.split())
    per_char = size * (BOLD_CHAR_WIDTH if bold else CHAR_WIDTH)
    room = max(1, int(width // per_char))
    return line if len(line) <= room else line[: room - 1].rstrip() + ELLIPSIS


def wrap(text: str, width: float, size: float, *, lines: int = 2) -> list[str]:
    """``text`` broken at spaces into at most ``lines`` lines of ``width`` px; the last line
    is cut with an ellipsis when the text does not fit.

    Example:
        >>> wrap("if event trial_started where properties.plan = 'pro'", 150, 10)
        ['if event trial_started', 'where properties.plan =…']
    """
    per_char = size * CHAR_WIDTH
    room = max(1, int(width // per_char))
    words, out = " ".join(text.split()).split(" "), []
    while words and len(out) < lines - 1:
        line = words.pop(0)
        while words and len(line) + 1 + len(words[0]) <= room:
            line += " " + words.pop(0)
        if len(line) > room:  # one word longer than the line: cut it here
            words.insert(0, line[room:])
            line = line[:room]
        out.append(line)
    if words:
        out.append(fit(" ".join(words), width, size))
    return out


def count(n: int | None) -> str:
    """A count with thousands separators; a dash when unknown.

    Example:
        >>> count(12345), count(None)
        ('12,345', '–')
    """
    return "–" if n is None else f"{n:,}"


def percent(share: float | None, *, digits: int = 0) -> str:
    """A share (0.0 – 1.0) as a percentage; ``<1%`` rather than a misleading ``0%``.

    Example:
        >>> percent(0.623), percent(0.001), percent(0.0), percent(0.1234, digits=1)
        ('62%', '<1%', '0%', '12.3%')
    """
    if share is None:
        return "–"
    if digits == 0 and 0 < share < 0.005:
        return "<1%"
    if digits == 0 and 0.995 <= share < 1:
        return ">99%"
    return f"{share * 100:.{digits}f}%"


def points(diff: float | None) -> str:
    """A difference of two rates in percentage points, always signed.

    Example:
        >>> points(0.0213), points(-0.005)
        ('+2.1 pp', '-0.5 pp')
    """
    return "–" if diff is None else f"{diff * 100:+.1f} pp"


def duration(seconds: float | None) -> str:
    """A duration in its two largest units (``3d 4h``, ``5h 12m``, ``42m``, ``30s``).

    Example:
        >>> duration(3 * 86400 + 4 * 3600 + 59), duration(42 * 60), duration(None)
        ('3d 4h', '42m', '–')
    """
    if seconds is None:
        return "–"
    left = int(round(seconds))
    units = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
    for i, (unit, size) in enumerate(units[:-1]):
        if left >= size:
            big, rest = divmod(left, size)
            small_unit, small_size = units[i + 1]
            small = rest // small_size
            return f"{big}{unit} {small}{small_unit}" if small else f"{big}{unit}"
    return f"{left}s"


def key_numbers(metrics: JourneyMetrics) -> list[tuple[str, str]]:
    """The journey's headline numbers as (caption, value): the SVG header and the page's
    table show these, in this order."""
    return [
        ("entered", count(metrics.entered)),
        ("active", count(metrics.active)),
        ("completed", count(metrics.completed)),
        ("exited early", count(metrics.exited_early)),
        ("conversion", percent(metrics.conversion_rate, digits=1)),
        ("avg duration", duration(metrics.avg_duration_s)),
    ]
