"""Feature sets shipped with Colin (YAML files next to this module)."""

from __future__ import annotations

from pathlib import Path

from colin.core.errors import ConfigError
from colin.indicators.features.spec import FeatureSetSpec

SETS_DIR = Path(__file__).parent / "sets"


def builtin_sets() -> dict[str, Path]:
    """Return ``{name: path}`` of the bundled feature sets."""
    return {path.stem: path for path in sorted(SETS_DIR.glob("*.yaml"))}


def load_feature_set(name_or_path: str | Path) -> FeatureSetSpec:
    """Load a bundled feature set by name, or any YAML feature set by path.

    Raises
    ------
    ConfigError
        If it is neither a bundled name nor a readable YAML file (listing the bundled names).
    """
    bundled = builtin_sets()
    if str(name_or_path) in bundled:
        return FeatureSetSpec.from_yaml(bundled[str(name_or_path)])
    path = Path(name_or_path)
    if not path.is_file():
        raise ConfigError(
            f"feature set {str(name_or_path)!r} is not a bundled set ({', '.join(bundled)}) "
            "or an existing YAML file"
        )
    return FeatureSetSpec.from_yaml(path)
