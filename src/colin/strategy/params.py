"""Typed, documented strategy parameters."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class StrategyParams(BaseModel):
    """Base of every strategy's parameter model: frozen, and unknown fields are an error.

    Subclasses declare each parameter with a type, a default and a ``description`` (shown by the
    CLI), and bounds where they apply, e.g. ``fast: int = Field(10, ge=1, description=...)``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def describe(cls) -> list[dict[str, Any]]:
        """Each parameter's name, type, default and meaning (for ``colin strategies show``)."""
        rows = []
        for name, field in cls.model_fields.items():
            annotation = field.annotation
            rows.append(
                {
                    "name": name,
                    "type": getattr(annotation, "__name__", str(annotation)),
                    "default": None if field.is_required() else field.default,
                    "required": field.is_required(),
                    "description": field.description or "",
                }
            )
        return rows
