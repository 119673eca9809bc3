"""The journey page as a browser shows it: headless Chromium screenshots each demo journey's
page, and the screenshot must be the size asked for and show a picture, not a blank page."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from journeys.render import picture_size, write_picture
from tests.journeys.render.readouts import demo_specs, made_up_readout

pytestmark = pytest.mark.browser

BROWSERS = ("chromium", "chromium-browser")
PAGE_BELOW_PICTURE = 360  # room for the key numbers table under the picture
SCREENSHOT_TIMEOUT_S = 120


def _chromium() -> str:
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if found is None:
        pytest.skip("headless Chromium is not installed: `apt-get install chromium` "
                    "(Debian/Ubuntu; .ci/run installs it when run as root)")
    return found


def _screenshot(page: Path, size: tuple[int, int], tmp_path: Path) -> Path:
    """Chromium's screenshot of ``page`` in a window of ``size``, with a profile of its own
    (so that parallel runs do not share one)."""
    out = tmp_path / "screenshot.png"
    home = tmp_path / "home"
    home.mkdir()
    command = [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        "--no-first-run", "--disable-extensions", f"--user-data-dir={home / 'profile'}",
        f"--window-size={size[0]},{size[1]}", f"--screenshot={out}", page.as_uri(),
    ]
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_CACHE_HOME": str(home / ".cache")}
    run = subprocess.run(command, env=env, capture_output=True, text=True,
                         timeout=SCREENSHOT_TIMEOUT_S, check=False)
    assert out.exists(), f"no screenshot (exit {run.returncode}): {run.stderr[-2000:]}"
    return out


def _png_size(png: Path) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk (the first, right after the signature)."""
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


@pytest.mark.parametrize("journey_id", list(demo_specs()))
def test_page_screenshot_has_the_asked_size_and_shows_the_picture(
        journey_id: str, tmp_path: Path) -> None:
    from PIL import Image

    spec = demo_specs()[journey_id]
    svg_path, html_path = write_picture(spec, made_up_readout(spec), tmp_path / "pictures")
    width, height = picture_size(svg_path.read_text(encoding="utf-8"))
    window = (width, height + PAGE_BELOW_PICTURE)

    png = _screenshot(html_path, window, tmp_path)

    assert _png_size(png) == window
    with Image.open(png) as image:
        pixels = image.convert("RGB")
    background = pixels.getpixel((1, 1))
    assert background == (0xF8, 0xFA, 0xFC)  # the page's and the picture's paper
    colours = pixels.getcolors(maxcolors=window[0] * window[1])
    assert colours is not None
    drawn = sum(n for n, colour in colours if colour != background)
    assert drawn / (window[0] * window[1]) > 0.05, "the page is (almost) blank"
    assert len(colours) > 50, "too few colours for boxes, text, edges and accents"
    present = {colour for _, colour in colours}
    # the accents of the entry tile (green) and of the actions (blue): the SVG was drawn
    assert (0x16, 0xA3, 0x4A) in present and (0x25, 0x63, 0xEB) in present
