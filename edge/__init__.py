"""Glimpse: an edge micro-expression analyzer (capture -> face -> motion -> engine -> spotting -> events -> sinks)."""

__version__ = "0.1.0"
