"""Typed domain errors. The API maps each to an HTTP status and a message a person understands."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule violation raised by the domain layer."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class IllegalTransition(DomainError):
    """The action is not allowed from the appeal's current status (HTTP 409)."""

    code = "illegal_transition"
    http_status = 409


class PermissionDenied(DomainError):
    """The actor's role or unit scope does not allow the action (HTTP 403)."""

    code = "permission_denied"
    http_status = 403


class InvalidArguments(DomainError):
    """The action's arguments break a rule (missing reason, too many days...) (HTTP 422)."""

    code = "invalid_arguments"
    http_status = 422


class ConcurrencyConflict(DomainError):
    """Somebody else changed the appeal (or the rectification, or decided the 申诉) first;
    re-read and try again (HTTP 409)."""

    code = "conflict"
    http_status = 409


class NotFound(DomainError):
    """The thing asked for does not exist or is not visible to the caller (HTTP 404)."""

    code = "not_found"
    http_status = 404


class Busy(DomainError):
    """The database stayed locked by another writer past its wait; nothing was done, and the
    same request can be sent again (HTTP 503)."""

    code = "busy"
    http_status = 503


class Unavailable(DomainError):
    """The database could not be reached or dropped the connection (a restart, a failover),
    or gave up the transaction (a deadlock); the request can be sent again (HTTP 503)."""

    code = "unavailable"
    http_status = 503


class TooManyAttempts(DomainError):
    """Too many wrong guesses for one identifier (a tracking code, a credit code) in a short
    time; the lookup is refused for a while (HTTP 429)."""

    code = "too_many_attempts"
    http_status = 429
