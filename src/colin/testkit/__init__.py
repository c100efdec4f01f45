"""Test helpers: factories for instruments, orders and events."""
