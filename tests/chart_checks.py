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


def assert_chart(png: bytes, content: Content) -> None:
    assert png.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == SIZE
        pixels = image.convert("RGB")
        colours = {rgb for _, rgb in pixels.getcolors(maxcolors=SIZE[0] * SIZE[1]) or []}
    assert len(colours) > 50, "blank or nearly blank"  # text, bars, anti-aliasing
    for role in content.roles:
        rgb = ((role.color >> 16) & 255, (role.color >> 8) & 255, role.color & 255)
        assert rgb in colours, f"no {role.name} bar in its colour #{role.color:06x}"
