"""Issue 17, weight: chart pages load kam's own ECharts build (only the charts used), never the full
1 MB one, and the accessibility checker vendored for the tests is never sent to users' pages."""

from __future__ import annotations

import re
from pathlib import Path

KAM = Path(__file__).resolve().parents[2] / "kam"
ECHARTS = KAM / "static" / "vendor" / "echarts"


def _templates() -> list[Path]:
    return [p for p in KAM.rglob("*.html") if "static" not in p.parts]


def test_chart_pages_load_the_trimmed_echarts_build():
    loaded = set()
    for template in _templates():
        loaded |= set(re.findall(r"vendor/echarts/[\w.]+\.js", template.read_text(encoding="utf-8")))
    assert loaded == {"vendor/echarts/echarts.kam.min.js"}
    assert not (ECHARTS / "echarts.min.js").exists()
    build = ECHARTS / "echarts.kam.min.js"
    assert build.stat().st_size < 800_000  # the full 5.6.0 build is 1,034,102 bytes
    assert "window.echarts" in build.read_text(encoding="utf-8")[-400:]


# ECharts' series types and the chart module each needs (echarts/charts).
SERIES = {
    "line": "LineChart", "bar": "BarChart", "pie": "PieChart", "scatter": "ScatterChart",
    "effectScatter": "EffectScatterChart", "radar": "RadarChart", "tree": "TreeChart",
    "treemap": "TreemapChart", "sunburst": "SunburstChart", "boxplot": "BoxplotChart",
    "candlestick": "CandlestickChart", "heatmap": "HeatmapChart", "map": "MapChart",
    "parallel": "ParallelChart", "lines": "LinesChart", "graph": "GraphChart", "sankey": "SankeyChart",
    "funnel": "FunnelChart", "gauge": "GaugeChart", "pictorialBar": "PictorialBarChart",
    "themeRiver": "ThemeRiverChart", "custom": "CustomChart",
}  # fmt: skip


def test_every_chart_type_drawn_is_in_the_build():
    # An option naming a chart the build lacks is dropped by ECharts without an error: a blank chart.
    entry = (ECHARTS / "echarts.kam.entry.js").read_text(encoding="utf-8")
    scripts = [*KAM.glob("static/js/*.js"), *KAM.glob("*/static/**/*.js")]
    named = set()
    for script in scripts:
        named |= set(re.findall(r'type:\s*"(\w+)"', script.read_text(encoding="utf-8"))) & SERIES.keys()
    assert {"bar", "line", "funnel", "tree", "graph", "heatmap", "custom", "scatter"} <= named
    for kind in named:
        assert SERIES[kind] in entry, f"the {kind} chart is drawn but not in the build"


def test_axe_core_is_never_loaded_by_a_page():
    assert (KAM / "static" / "vendor" / "axe-core" / "axe.min.js").exists()
    for template in _templates():
        assert "axe-core" not in template.read_text(encoding="utf-8"), template
