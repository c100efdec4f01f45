"""The checks a node must pass before it may trade real money.

:func:`live_refusal` returns the reason live mode must not start, or ``None``. Live mode needs
the explicit confirmation flag, API keys in the environment (never in a file), and a risk
configuration that bounds what one order, one position and one bad day can cost.
"""

from __future__ import annotations

from collections.abc import Mapping

from colin.node.live_config import TradingNodeConfig, api_credentials
from colin.risk.config import RiskConfig

CONFIRM_FLAG = "--i-understand-this-is-live"


def live_risk_problems(risk: RiskConfig) -> list[str]:
    """Return what the risk config lacks for live trading (empty when it is fit).

    Live trading requires a per-order notional cap, a position cap (notional or share of
    equity), the price band against fat fingers, and the drawdown controller.
    """
    problems = []
    if risk.max_order_notional is None:
        problems.append("risk.max_order_notional must be set")
    if risk.max_position_notional is None and risk.max_position_pct_equity is None:
        problems.append("risk.max_position_notional or risk.max_position_pct_equity must be set")
    if risk.price_band_pct is None:
        problems.append("risk.price_band_pct must be set")
    if not risk.drawdown.enabled:
        problems.append("risk.drawdown must be enabled")
    return problems


def live_refusal(
    config: TradingNodeConfig, environ: Mapping[str, str], confirmed: bool
) -> str | None:
    """Return why live mode must not start (one line), or ``None`` if it may.

    Parameters
    ----------
    config
        The node config (mode ``live``).
    environ
        The environment holding the API keys.
    confirmed
        Whether the operator passed the confirmation flag.
    """
    if not confirmed:
        return f"live trading needs the confirmation flag {CONFIRM_FLAG}"
    if api_credentials(config.exchange, environ) is None:
        name = config.exchange.upper()
        return (
            f"live trading needs API keys in the environment: COLIN_{name}_API_KEY and "
            f"COLIN_{name}_API_SECRET (or COLIN_API_KEY and COLIN_API_SECRET)"
        )
    problems = live_risk_problems(config.risk)
    if problems:
        return "the risk config is not fit for live trading: " + "; ".join(problems)
    return None
