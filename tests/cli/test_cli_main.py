from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from colin.cli.main import SUBCOMMANDS, app

runner = CliRunner()


def test_help_lists_every_subcommand() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in SUBCOMMANDS:
        assert name in result.output


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_every_subcommand_has_help(name: str) -> None:
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    # completion is installed once, from `colin --install-completion`, not per subcommand
    assert "--install-completion" not in result.output


def test_an_unknown_command_is_a_usage_error() -> None:
    result = runner.invoke(app, ["nosuch"])
    assert result.exit_code == 2
    assert "No such command 'nosuch'" in result.output


def test_a_subcommand_imports_only_its_own_module() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from colin.cli.main import app\n"
        "CliRunner().invoke(app, ['strategies', 'list'])\n"
        "print(sorted(m for m in ('colin.cli.backtest', 'colin.cli.optimize', 'optuna', 'plotly')"
        " if m in sys.modules))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert output.strip() == "[]"
