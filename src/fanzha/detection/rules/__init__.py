"""Detection rules as data: a versioned TOML file of weights, windows, thresholds and levels."""

from fanzha.detection.rules.model import Combo, Rules, Scoring, load_rules

__all__ = ["Combo", "Rules", "Scoring", "load_rules"]
