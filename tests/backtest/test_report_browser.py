"""The report renders in a real browser with no network: every chart is drawn by inlined plotly."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from colin.backtest.report import write_html_report

from .builders import BTC, daily_result, day, fill

pytestmark = pytest.mark.browser


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    reason = "headless Chromium is not installed"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true requires it")
    pytest.skip(reason)


def test_every_chart_is_drawn_offline(tmp_path: Path) -> None:
    browser = _chromium()
    ts = np.array([day(i + 1) for i in range(90)], dtype=np.int64)
    closes = 100.0 + np.sin(np.arange(90) / 5.0) * 10.0
    fills = [fill("BUY", 1, 100, day(10)), fill("SELL", 1, 105, day(40))]
    result = daily_result(
        1_000.0 + closes, 1_100.0, fills=fills, prices={BTC: {"ts": ts, "close": closes}}
    )
    path = write_html_report(result, tmp_path / "report.html")
    dom = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            path.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    # price, equity, drawdown and monthly returns: each becomes a drawn plotly container
    assert dom.count('class="plot-container plotly"') == 4
    assert dom.count('class="main-svg"') >= 4
