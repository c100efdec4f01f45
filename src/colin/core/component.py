"""Component lifecycle shared by engines, strategies and clients."""

from __future__ import annotations

from enum import Enum

from colin.core.errors import InvalidStateTransition


class ComponentState(Enum):
    """Where a component is in its life."""

    READY = "READY"
    RUNNING = "RUNNING"
    STOPPED = "STOPPED"
    DISPOSED = "DISPOSED"


_ALLOWED = {
    (ComponentState.READY, ComponentState.RUNNING),
    (ComponentState.RUNNING, ComponentState.STOPPED),
    (ComponentState.STOPPED, ComponentState.RUNNING),
    (ComponentState.READY, ComponentState.DISPOSED),
    (ComponentState.STOPPED, ComponentState.DISPOSED),
}


class Component:
    """A thing with a start/stop lifecycle; subclasses override ``on_start``/``on_stop``."""

    def __init__(self, name: str) -> None:
        self.component_id = name
        self.state = ComponentState.READY

    def _move(self, target: ComponentState) -> None:
        if (self.state, target) not in _ALLOWED:
            raise InvalidStateTransition(
                f"{self.component_id}: cannot go from {self.state.value} to {target.value}"
            )
        self.state = target

    def start(self) -> None:
        """Start the component."""
        self._move(ComponentState.RUNNING)
        self.on_start()

    def stop(self) -> None:
        """Stop the component."""
        self._move(ComponentState.STOPPED)
        self.on_stop()

    def dispose(self) -> None:
        """Release resources; the component cannot be started again."""
        self._move(ComponentState.DISPOSED)

    @property
    def is_running(self) -> bool:
        """Whether the component is running."""
        return self.state is ComponentState.RUNNING

    def on_start(self) -> None:
        """Hook run after the component starts."""

    def on_stop(self) -> None:
        """Hook run after the component stops."""
