"""The HTTP client the HTTP channels share: JSON, retries with backoff, error classes.

Transport errors, 429 and 5xx are :class:`RetryableSendError` and retried here (tenacity,
exponential backoff, ``attempts`` tries); 4xx are :class:`PermanentSendError`. A refused
connection is always retried (nothing reached the provider); a timeout after the request went
out is retried only for providers that detect resends (``idempotent``); for the others it is
a permanent "outcome unknown" (a resend could post the message twice).
"""

from __future__ import annotations

from typing import Any

import httpx
from tenacity import (
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from fanzha.errors import PermanentSendError, RetryableSendError


class HttpClient:
    """A keep-alive JSON client of one provider."""

    def __init__(
        self,
        name: str,
        base_url: str,
        headers: dict[str, str] | None = None,
        timeout: float = 10.0,
        attempts: int = 3,
        idempotent: bool = True,
    ) -> None:
        self.name = name
        self._idempotent = idempotent
        self._client = httpx.Client(base_url=base_url, headers=headers or {}, timeout=timeout)
        self._attempts = attempts
        self._post = retry(
            reraise=True,
            retry=retry_if_exception_type(RetryableSendError),
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(multiplier=0.1, max=2),
        )(self._post_once)

    def post_json(self, path: str, payload: Any, params: dict[str, str] | None = None) -> Any:
        """POST JSON and return the JSON answer (retried when retryable)."""
        return self._post(path, payload, params)

    def get_json(self, path: str, params: dict[str, str] | None = None) -> Any:
        """GET and return the JSON answer (not retried: the caller polls again)."""
        try:
            response = self._client.get(path, params=params)
        except httpx.HTTPError as exc:
            raise RetryableSendError("provider unreachable", channel=self.name) from exc
        return self._answer(response)

    def _post_once(self, path: str, payload: Any, params: dict[str, str] | None) -> Any:
        try:
            response = self._client.post(path, json=payload, params=params)
        except httpx.ConnectError as exc:  # nothing reached the provider: always safe to retry
            raise RetryableSendError("provider unreachable", channel=self.name) from exc
        except httpx.HTTPError as exc:
            if not self._idempotent:  # it may have been accepted: a resend could duplicate it
                raise PermanentSendError("outcome unknown", channel=self.name) from exc
            raise RetryableSendError("provider did not answer", channel=self.name) from exc
        return self._answer(response)

    def _answer(self, response: httpx.Response) -> Any:
        code = response.status_code
        if code == 429 or code >= 500:
            raise RetryableSendError("provider busy", channel=self.name, http_status=code)
        if code >= 400:
            raise PermanentSendError("provider refused", channel=self.name, http_status=code)
        try:
            return response.json()
        except ValueError as exc:
            raise RetryableSendError("provider answered no JSON", channel=self.name) from exc

    def close(self) -> None:
        """Close the pool."""
        self._client.close()
