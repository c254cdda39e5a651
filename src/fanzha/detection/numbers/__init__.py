"""The fraud-number model: behaviour and call-graph features, gradient boosting."""
