"""Real-time detection: the batch rules applied event by event (docs/streaming.md)."""
