"""Declarative feature sets: indicator specs in, aligned feature frames and rows out."""
