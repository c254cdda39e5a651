"""Notification channels (SMS, voice, chat robots…); an in-memory channel for tests and demos."""

from fanzha.notify.channel import Channel, LogChannel, MemoryChannel, Message

__all__ = ["Channel", "LogChannel", "MemoryChannel", "Message"]
