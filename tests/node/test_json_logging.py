"""The node's JSON-lines logging."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest

from colin.node.logging import configure_json_logging


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_records_are_json_lines_with_their_extra_fields(root_logging: None) -> None:
    out = io.StringIO()
    configure_json_logging("INFO", out)
    logging.getLogger("colin.test").info("order sent", extra={"client_order_id": "C-1"})
    logging.getLogger("colin.test").debug("below the level")
    (line,) = out.getvalue().splitlines()
    record = json.loads(line)
    assert record["msg"] == "order sent" and record["client_order_id"] == "C-1"
    assert (record["level"], record["logger"]) == ("INFO", "colin.test")


def test_the_default_stream_is_stderr_at_emit_time(
    root_logging: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    configure_json_logging("INFO")
    logging.getLogger("colin.test").info("one")
    first.close()  # e.g. a test runner's captured stderr, gone after the command
    second = io.StringIO()
    monkeypatch.setattr(sys, "stderr", second)
    logging.getLogger("colin.test").info("two")
    assert [json.loads(line)["msg"] for line in second.getvalue().splitlines()] == ["two"]
