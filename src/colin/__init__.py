"""Colin: an AI-driven crypto trading platform."""

__version__ = "0.1.0"
