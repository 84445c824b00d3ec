"""Errors of the reference HQ server; hq/ never imports bridge/, so it has its own base class."""

from __future__ import annotations

from webguard.refusal import Refusal


class HQServerError(Exception):
    """Base class of every error the reference HQ server raises on purpose."""


class HTTPFailure(HQServerError, Refusal):
    """A request is refused with `status`; the message is sent as {"error": message}."""


class CatalogFileError(HQServerError):
    """A file under the catalog directory is unreadable or malformed; the message names it."""


class DatabaseUnavailable(HQServerError):
    """The database cannot be reached (or went away mid-request); nothing of the request was stored."""
