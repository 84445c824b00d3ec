"""Every Vitrine error shares one base class, so callers can catch them together."""

from __future__ import annotations


class VitrineError(Exception):
    """Base class of every error Vitrine raises on purpose."""


class ConfigError(VitrineError):
    """The configuration file is missing, unreadable or invalid; the message names the key."""


class InvalidEvent(VitrineError):
    """An event does not match the contract; `field` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def under(self, name: str) -> "InvalidEvent":
        """This error with its field placed under name ("lines" + "[0].sku" -> "lines[0].sku").

        Checks raise fields relative to the value they check and their callers prefix them
        on the way out, so no field path is built for the values that pass.
        """
        inner = self.field
        field = name if not inner else f"{name}{inner}" if inner[0] == "[" else f"{name}.{inner}"
        return InvalidEvent(field, self.message)


class StorageError(VitrineError):
    """The local database could not store something (disk full, read-only, I/O error)."""


class DatabaseCorrupt(StorageError):
    """The database failed its integrity check and this process may not move it aside."""


class AlreadyRunning(VitrineError):
    """Another bridge process already owns this database."""


class HQError(VitrineError):
    """Headquarters could not be reached or refused a request."""


class ResponseTooLarge(HQError):
    """HQ's answer was larger than the bridge accepts for it (e.g. an image)."""
