"""Channels from a JSON file (``FANZHA_NOTIFY_CHANNELS_FILE``): name → kind and parameters.

::

    {"sms": {"kind": "smpp", "host": "10.0.0.5", "port": 2775, "system_id": "fz",
             "password": "…", "per_second": 200},
     "sms_cmpp": {"kind": "cmpp", "host": "10.0.0.6", "port": 7890, "source_addr": "901234",
                  "shared_secret": "…", "src_id": "12381", "per_second": 100},
     "sms_http": {"kind": "http_sms", "url": "https://gw.example", "token": "…"},
     "voice": {"kind": "voice", "url": "https://robot.example", "token": "…",
               "callback_port": 8089, "callback_secret": "…"},
     "wecom": {"kind": "wecom", "per_robot_per_minute": 20},
     "dingtalk": {"kind": "dingtalk", "per_robot_per_minute": 20},
     "email": {"kind": "smtp", "host": "mail.example", "port": 587, "sender": "…"}}

``"provider_dedupes": false`` marks an SMS or voice provider that does not detect a resent
client reference: a send interrupted by a crash is then not repeated (``unknown``, at most
once) instead of repeated safely. The file holds credentials: keep it outside the
repository, readable by the service only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fanzha.errors import ConfigError
from fanzha.notify.channel import OutboundChannel
from fanzha.notify.ratelimit import RateLimiter

Builder = Callable[[str, dict[str, Any]], OutboundChannel]


def _smpp(name: str, spec: dict[str, Any]) -> OutboundChannel:
    from fanzha.notify.smpp import SmppChannel, SmppConfig

    return SmppChannel(
        name,
        SmppConfig(
            spec["host"],
            int(spec["port"]),
            spec["system_id"],
            spec["password"],
            spec.get("source", "12381"),
            int(spec.get("window", 200)),
        ),
    )


def _cmpp(name: str, spec: dict[str, Any]) -> OutboundChannel:
    from fanzha.notify.cmpp import CmppChannel, CmppConfig

    return CmppChannel(
        name,
        CmppConfig(
            spec["host"],
            int(spec["port"]),
            spec["source_addr"],
            spec["shared_secret"],
            spec.get("src_id", "12381"),
            spec.get("service_id", ""),
            int(spec.get("window", 16)),
        ),
    )


def _http_sms(name: str, spec: dict[str, Any]) -> OutboundChannel:
    from fanzha.notify.http_sms import HttpSmsChannel, HttpSmsConfig

    return HttpSmsChannel(
        name, HttpSmsConfig(spec["url"], spec["token"], int(spec.get("batch_size", 100)))
    )


def _voice(name: str, spec: dict[str, Any]) -> OutboundChannel:
    from fanzha.notify.voice import VoiceConfig, VoiceRobotChannel

    return VoiceRobotChannel(
        name,
        VoiceConfig(
            spec["url"],
            spec["token"],
            spec["callback_secret"],
            int(spec.get("callback_port", 0)),
            spec.get("callback_host", "127.0.0.1"),
            spec.get("callback_url"),
        ),
    )


def _wecom(name: str, spec: dict[str, Any]) -> OutboundChannel:
    from fanzha.notify.wecom import WeComChannel

    return WeComChannel(name)


def _dingtalk(name: str, spec: dict[str, Any]) -> OutboundChannel:
    from fanzha.notify.dingtalk import DingTalkChannel

    return DingTalkChannel(name)


def _smtp(name: str, spec: dict[str, Any]) -> OutboundChannel:
    from fanzha.notify.email import SmtpChannel, SmtpConfig

    return SmtpChannel(
        name,
        SmtpConfig(
            spec["host"],
            int(spec["port"]),
            spec["sender"],
            spec.get("username"),
            spec.get("password"),
            bool(spec.get("starttls", False)),
        ),
    )


BUILDERS: dict[str, Builder] = {
    "smpp": _smpp,
    "cmpp": _cmpp,
    "http_sms": _http_sms,
    "voice": _voice,
    "wecom": _wecom,
    "dingtalk": _dingtalk,
    "smtp": _smtp,
}
DEFAULT_RATES = {
    "smpp": 500.0,
    "cmpp": 100.0,
    "http_sms": 500.0,
    "voice": 20.0,
    "wecom": 50.0,
    "dingtalk": 50.0,
    "smtp": 20.0,
}
ROBOT_KINDS = {"wecom", "dingtalk"}


def load_specs(path: Path) -> dict[str, dict[str, Any]]:
    """The channel specs of a file (checked: each has a known kind)."""
    try:
        specs = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError("cannot read the notify channels file", file=str(path)) from exc
    if not isinstance(specs, dict):
        raise ConfigError("the notify channels file must hold an object", file=str(path))
    for name, spec in specs.items():
        if not isinstance(spec, dict) or spec.get("kind") not in BUILDERS:
            raise ConfigError("unknown channel kind", channel=name, known=", ".join(BUILDERS))
    return specs


def build(
    specs: dict[str, dict[str, Any]],
) -> tuple[dict[str, OutboundChannel], dict[str, RateLimiter]]:
    """Channels and their rate limiters."""
    channels: dict[str, OutboundChannel] = {}
    limiters: dict[str, RateLimiter] = {}
    for name, spec in specs.items():
        kind = spec["kind"]
        try:
            channel = BUILDERS[kind](name, spec)
        except KeyError as exc:
            raise ConfigError("channel setting missing", channel=name, key=str(exc)) from exc
        if channel.idempotent and not spec.get("provider_dedupes", True):
            channel.idempotent = False  # a provider that ignores client references
        channels[name] = channel
        per_key = spec.get("per_robot_per_minute", 20) if kind in ROBOT_KINDS else None
        limiters[name] = RateLimiter(
            float(spec.get("per_second", DEFAULT_RATES[kind])), per_key_per_minute=per_key
        )
    return channels, limiters
