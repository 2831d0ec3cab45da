"""The setup QR code, drawn on the server as inline SVG (no script, no image request)."""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(data: str, title: str) -> SafeString:
    # segno escapes the title it writes into the SVG; the rest is paths it drew itself.
    svg = segno.make(data, error="m").svg_inline(scale=4, border=4, title=title, dark="#000", light="#fff")
    return mark_safe(svg)  # noqa: S308
