"""The journey picture: what it shows, where it puts it, and that it is safe, valid SVG."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from journeys.render import picture_size, render_html, render_svg, write_picture
from journeys.spec.models import JourneySpec, edges
from tests.journeys.render.readouts import (
    ROOT,
    SENDING,
    all_specs,
    demo_specs,
    every_tile_spec,
    made_up_readout,
)

NS = {"svg": "http://www.w3.org/2000/svg"}
SPECS = all_specs()
IDS = list(SPECS)
Rect = tuple[float, float, float, float]


def _picture(spec: JourneySpec, with_readout: bool = True) -> ET.Element:
    return ET.fromstring(render_svg(spec, made_up_readout(spec) if with_readout else None))


def _text(element: ET.Element) -> str:
    """The visible text of an element: its <text> elements (not tooltips), space-joined."""
    return " ".join("".join(t.itertext()) for t in element.iter(f"{{{NS['svg']}}}text"))


def _tile(root: ET.Element, tile_id: str) -> ET.Element:
    group = root.find(f".//svg:g[@id='tile-{tile_id}']", NS)
    assert group is not None, f"no group for tile {tile_id}"
    return group


def _rect(element: ET.Element) -> Rect:
    return tuple(float(element.attrib[k]) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]


def _box(root: ET.Element, tile_id: str) -> Rect:
    return _rect(_tile(root, tile_id).find("svg:rect[@class='box']", NS))


def _overlap(a: Rect, b: Rect) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _path_points(d: str) -> list[tuple[float, float]]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
    return list(zip(numbers[::2], numbers[1::2], strict=True))


@pytest.mark.parametrize("journey_id", IDS)
def test_picture_is_svg_with_width_height_and_viewbox(journey_id: str) -> None:
    root = _picture(SPECS[journey_id])
    assert root.tag == f"{{{NS['svg']}}}svg"
    width, height = picture_size(render_svg(SPECS[journey_id], made_up_readout(SPECS[journey_id])))
    assert width > 0 and height > 0
    assert root.attrib["viewBox"] == f"0 0 {width} {height}"


@pytest.mark.parametrize("journey_id", IDS)
def test_every_tile_shows_its_id_and_live_counts(journey_id: str) -> None:
    spec = SPECS[journey_id]
    readout = made_up_readout(spec)
    root = _picture(spec)
    for tile_id, tile in spec.tiles.items():
        stats = readout.tile(tile_id)
        assert stats is not None
        group = _tile(root, tile_id)
        shown = _text(group)
        expected = {tile_id: tile_id, "exited": f"{stats.exited_here:,} exited"}
        if tile.type != "exit":
            expected |= {"active": f"{stats.active:,} active",
                         "passed": f"{stats.passed_through:,} passed"}
        if tile.type in SENDING:
            expected |= {"sent": f"{stats.sent:,} sent",
                         "errors": f"{stats.delivery_errors:,} errors"}
        for what, text in expected.items():
            assert text in shown, f"{tile_id}: {what} ({text!r}) not in {shown!r}"
        assert group.attrib["data-active"] == str(stats.active)
        assert group.attrib["data-passed"] == str(stats.passed_through)
        assert group.attrib["data-exited"] == str(stats.exited_here)
        assert group.attrib["data-tile-type"] == tile.type


@pytest.mark.parametrize("journey_id", IDS)
def test_header_shows_name_id_and_key_numbers(journey_id: str) -> None:
    spec = SPECS[journey_id]
    header = _picture(spec).find("svg:g[@class='header']", NS)
    shown = _text(header)
    assert spec.name in shown and spec.id in shown
    for text in ("12,345", "678", "9,012", "2,655", "35.0%", "3d 5h", "ENTERED", "CONVERSION"):
        assert text in shown


@pytest.mark.parametrize("journey_id", IDS)
def test_every_way_out_of_a_tile_with_several_is_labelled_with_its_share(
        journey_id: str) -> None:
    spec = SPECS[journey_id]
    readout = made_up_readout(spec)
    root = _picture(spec)
    labels = {(g.attrib["data-source"], g.attrib["data-label"]): _text(g)
              for g in root.iterfind(".//svg:g[@class='edge-label']", NS)}
    for tile_id, tile in spec.tiles.items():
        outs = edges(tile)
        if len(outs) < 2:
            assert not any(source == tile_id for source, _ in labels)
            continue
        shares = readout.tile(tile_id).path_shares()
        for label, _ in outs:
            name, share = labels[(tile_id, label)].rsplit(" ", 1)
            assert share == f"{round(shares[label] * 100)}%"
            # a long path name is cut to fit between the columns, its share never
            assert name == label or (name.endswith("…") and label.startswith(name[:-1]))


def test_yes_no_timeout_and_split_path_names_all_appear() -> None:
    spec = every_tile_spec()
    for with_readout in (True, False):
        shown = _text(_picture(spec, with_readout).find(".//svg:g[@class='edge-labels']", NS))
        for label in ("yes", "no", "timeout", "next", "control", "variant_b"):
            assert re.search(rf"\b{label}\b", shown), (label, shown)


@pytest.mark.parametrize("journey_id", IDS)
def test_tiles_run_left_to_right_from_the_entry(journey_id: str) -> None:
    spec = SPECS[journey_id]
    root = _picture(spec)
    xs = {tile_id: _box(root, tile_id)[0] for tile_id in spec.tiles}
    assert xs[spec.entry_tile_id] == min(xs.values())
    assert all(x > xs[spec.entry_tile_id] for t, x in xs.items() if t != spec.entry_tile_id)
    for tile_id, tile in spec.tiles.items():
        for _, target in edges(tile):
            assert xs[tile_id] < xs[target], (tile_id, target)


@pytest.mark.parametrize("journey_id", IDS)
def test_every_edge_runs_rightwards_from_its_source_to_its_target(journey_id: str) -> None:
    spec = SPECS[journey_id]
    root = _picture(spec)
    groups = root.findall(".//svg:g[@class='edge']", NS)
    assert len(groups) == sum(len(edges(t)) for t in spec.tiles.values())
    for group in groups:
        points = _path_points(group.find("svg:path", NS).attrib["d"])
        xs = [x for x, _ in points]
        assert xs == sorted(xs)
        sx, sy, sw, sh = _box(root, group.attrib["data-source"])
        tx, ty, _, th = _box(root, group.attrib["data-target"])
        assert points[0][0] == pytest.approx(sx + sw) and sy < points[0][1] < sy + sh
        tip = _path_points(group.find("svg:polygon", NS).attrib["points"])[0]
        assert tip[0] == pytest.approx(tx) and ty < tip[1] < ty + th


@pytest.mark.parametrize("journey_id", IDS)
def test_boxes_and_edge_labels_do_not_overlap_and_fit_the_canvas(journey_id: str) -> None:
    spec = SPECS[journey_id]
    root = _picture(spec)
    width, height = (float(root.attrib[k]) for k in ("width", "height"))
    offset = [float(v) for v in re.findall(r"[\d.]+", root.find(
        "svg:g[@class='graph']", NS).attrib["transform"])]
    boxes = {t: _box(root, t) for t in spec.tiles}
    pills = [_rect(g.find("svg:rect", NS))
             for g in root.iterfind(".//svg:g[@class='edge-label']", NS)]
    shapes = list(boxes.values()) + pills
    for group in root.iterfind(".//svg:g[@class='edge']", NS):
        for x, y in _path_points(group.find("svg:path", NS).attrib["d"]):
            assert 0 <= x + offset[0] <= width and 0 <= y + offset[1] <= height
    for i, a in enumerate(shapes):
        assert 0 <= a[0] + offset[0] and a[0] + a[2] + offset[0] <= width
        assert 0 <= a[1] + offset[1] and a[1] + a[3] + offset[1] <= height
        for b in shapes[i + 1:]:
            assert not _overlap(a, b), (a, b)
    legend_top = float(root.find("svg:g[@class='legend']/svg:rect", NS).attrib["y"])
    assert all(y + h + offset[1] < legend_top for _, y, _, h in shapes)


@pytest.mark.parametrize("journey_id", IDS)
def test_without_a_readout_boxes_are_drawn_without_counts(journey_id: str) -> None:
    spec = SPECS[journey_id]
    root = _picture(spec, with_readout=False)
    for tile_id in spec.tiles:
        group = _tile(root, tile_id)
        assert tile_id in _text(group)
        assert "data-active" not in group.attrib
        assert not re.search(r"\b(active|passed|exited|sent)\b", _text(group))
    assert "no ticks yet" in _text(root.find("svg:g[@class='header']", NS))


def test_same_spec_and_readout_give_the_same_bytes_in_any_process() -> None:
    here = {jid: render_svg(spec, made_up_readout(spec)) for jid, spec in SPECS.items()}
    assert here == {jid: render_svg(spec, made_up_readout(spec)) for jid, spec in SPECS.items()}
    script = (
        "import sys\n"
        "from journeys.render import render_svg\n"
        "from tests.journeys.render.readouts import all_specs, made_up_readout\n"
        "for jid, spec in all_specs().items():\n"
        "    sys.stdout.write(render_svg(spec, made_up_readout(spec)) + '\\0')\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=120)
    assert run.stdout.split("\0")[:-1] == list(here.values())


def test_spec_text_is_escaped_in_the_svg_and_the_page() -> None:
    spec = every_tile_spec()
    svg = render_svg(spec, made_up_readout(spec))
    assert "Every &lt;tile&gt; &amp; more" in svg
    assert "sms-&lt;hi&gt;&amp;bye" in svg
    assert "<tile>" not in svg and "<hi>" not in svg
    shown = _text(ET.fromstring(svg))
    assert "Every <tile> & more" in shown and "template sms-<hi>&bye" in shown
    assert "n < 3" in shown  # the entry event's filter
    page = render_html(spec, made_up_readout(spec))
    assert "<tile>" not in page and "<hi>" not in page


def test_the_page_embeds_the_picture_and_loads_nothing() -> None:
    spec = every_tile_spec()
    readout = made_up_readout(spec)
    page = render_html(spec, readout)
    assert page.startswith("<!DOCTYPE html>")
    assert render_svg(spec, readout) in page
    outside = page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    for fetch in ("http:", "https:", "<script", "<link", "<img", "@import", "url(", "src="):
        assert fetch not in outside


def test_the_page_tabulates_key_numbers_and_each_arm_against_its_baseline() -> None:
    spec = every_tile_spec()
    page = render_html(spec, made_up_readout(spec))
    for text in ("Key numbers", "12,345", "4,321", "35.0%", "2025-03-01 13:00",
                 "A/B readout", "<code>ab</code>", "Global holdout",
                 "<td>variant_b</td><td>1,180</td><td>354</td><td>30.0%</td>",
                 "+5.0 pp (+1.4 pp to +8.6 pp)", "-2.0 pp (-10.0 pp to +6.1 pp)", "baseline"):
        assert text in page, text
    assert '<td class="clear">+5.0 pp' in page  # its interval leaves out zero
    assert '<td>-2.0 pp' in page


def test_the_page_without_a_readout_says_there_are_no_numbers_yet() -> None:
    page = render_html(demo_specs()["welcome_series"])
    assert "No ticks yet" in page and "A/B readout" not in page


def test_write_picture_writes_the_svg_and_the_page_named_by_journey(tmp_path: Path) -> None:
    spec = demo_specs()["welcome_series"]
    svg_path, html_path = write_picture(spec, made_up_readout(spec), tmp_path / "out")
    assert (svg_path, html_path) == (tmp_path / "out" / "welcome_series.svg",
                                     tmp_path / "out" / "welcome_series.html")
    assert picture_size(svg_path.read_text(encoding="utf-8")) == picture_size(
        render_svg(spec, made_up_readout(spec)))
    assert html_path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
