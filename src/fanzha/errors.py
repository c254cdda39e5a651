"""The one error hierarchy of Fanzha.

::

    FanzhaError
     ├── ConfigError          bad or unsafe settings, unreadable rule files
     ├── IngestError          a file cannot be read at all (rows that fail go to quarantine)
     │    └── NothingValidError   a file yielded no valid row
     ├── StoreError           event store or workflow store problems
     ├── DetectionError       a detection run cannot proceed
     ├── ModelError           a model cannot be trained, loaded or applied
     ├── WorkflowError        a workflow rule was broken
     │    ├── NotFoundError
     │    ├── PermissionDeniedError
     │    └── ConflictError   optimistic-locking conflicts
     ├── EvaluationError      ground truth missing or inconsistent
     ├── StreamError          the event stream (broker, consumer) cannot proceed
     │    └── QueueFullError  too many events wait: intake answers 503, nothing is dropped
     └── NotifyError          an outreach channel failed
          ├── RetryableSendError  try again later (timeout, throttled, 5xx, connection lost)
          └── PermanentSendError  never retry (bad number, rejected content, bad credentials)

Errors carry context attributes (file, row, column, rule id) so the CLI and the web layer
can render one clear line.
"""

from __future__ import annotations


class FanzhaError(Exception):
    """Base of every error Fanzha raises on purpose."""

    def __init__(self, message: str, **context: object) -> None:
        super().__init__(message)
        self.message = message
        self.context = {k: v for k, v in context.items() if v is not None}

    def __str__(self) -> str:
        if not self.context:
            return self.message
        where = ", ".join(f"{k}={v}" for k, v in self.context.items())
        return f"{self.message} ({where})"


class ConfigError(FanzhaError):
    """Settings or rule files are invalid or unsafe."""


class IngestError(FanzhaError):
    """A source file cannot be read at all."""


class NothingValidError(IngestError):
    """A source file was read but no row in it was valid."""


class StoreError(FanzhaError):
    """The event store or the workflow store failed."""


class DetectionError(FanzhaError):
    """A detection run cannot proceed."""


class ModelError(FanzhaError):
    """A model cannot be trained, loaded or applied."""


class WorkflowError(FanzhaError):
    """A workflow rule was broken."""


class NotFoundError(WorkflowError):
    """The object does not exist or is outside the caller's scope."""


class PermissionDeniedError(WorkflowError):
    """The caller lacks the permission for this action."""


class ConflictError(WorkflowError):
    """Someone else changed the object first (optimistic locking)."""


class QuotaExceededError(WorkflowError):
    """A partner's API key has used its daily quota: retry tomorrow (429)."""


class EvaluationError(FanzhaError):
    """Ground truth is missing or inconsistent with the warnings."""


class StreamError(FanzhaError):
    """The event stream (broker, consumer) cannot proceed."""


class QueueFullError(StreamError):
    """The event stream holds as many unconsumed events as allowed: retry later (503)."""


class NotifyError(FanzhaError):
    """An outreach channel (SMS, voice, chat robot, e-mail) failed."""


class RetryableSendError(NotifyError):
    """A send failed in a way that may succeed later (timeout, throttling, 5xx)."""


class PermanentSendError(NotifyError):
    """A send failed for good (invalid recipient, rejected content, bad credentials)."""
