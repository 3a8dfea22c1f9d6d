"""What every /stats chart test checks on the PNG it got: it decodes, has the chart's size,
is not blank, and shows the roles' colours from content."""

from __future__ import annotations

import io

from PIL import Image  # matplotlib's own dependency: present wherever pathbot is

from bot.core import stats_chart
from bot.core.models import Content

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SIZE = (int(stats_chart.SIZE_INCHES[0] * stats_chart.DPI),
        int(stats_chart.SIZE_INCHES[1] * stats_chart.DPI))


def assert_chart(png: bytes, content: Content, every_role: bool = True) -> None:
    """`every_role`: each role has a bar (else at least one: a role nobody got has none)."""
    assert png.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == SIZE
        pixels = image.convert("RGB")
        colours = {rgb for _, rgb in pixels.getcolors(maxcolors=SIZE[0] * SIZE[1]) or []}
    assert len(colours) > 50, "blank or nearly blank"  # text, bars, anti-aliasing
    shown = [((r.color >> 16) & 255, (r.color >> 8) & 255, r.color & 255) in colours
             for r in content.roles]
    assert all(shown) if every_role else any(shown), f"roles' colours missing: {shown}"
