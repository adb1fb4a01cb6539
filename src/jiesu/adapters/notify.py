"""Notification channels (DESIGN §9): SMS through an HTTP gateway, a signed webhook, e-mail over
SMTP, and the null twin that only logs and remembers (the default when nothing is configured).

A channel's `send(message)` returns when the message was handed over, or raises `NotifyError`;
`permanent=True` says retrying cannot help (a malformed address, a 4xx answer other than 408
and 429), so the sender gives up at once instead of after its last attempt.

Payloads (see docs/operations.md, "Notifications"):

- SMS: `POST JIESU_SMS_URL` with `{"phone": "13800138000", "text": "…"}`, header
  `Authorization: Bearer <JIESU_SMS_TOKEN>` when a token is set. Chinese SMS providers each have
  their own API and signing; this is the generic bridge: point it at a small relay of yours.
- Webhook: `POST JIESU_WEBHOOK_URL` with the whole message as JSON (`id`, `channel`,
  `recipient`, `subject`, `body`, `kind`, `ref`, `created_at`, `attempt`) and the header
  `X-Jiesu-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes under the secret>`.
- Every HTTP request carries `X-Jiesu-Message-Id`, so the receiver can drop a repeat (delivery is
  at least once).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import smtplib
import ssl
from collections import deque
from collections.abc import Mapping
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from jiesu.domain.notification import CHANNELS, Message, email_address, mask_recipient

if TYPE_CHECKING:
    from jiesu.config import Settings

log = logging.getLogger("jiesu.notify")

SIGNATURE_HEADER = "X-Jiesu-Signature"
MESSAGE_ID_HEADER = "X-Jiesu-Message-Id"
_PHONE = re.compile(r"\+?\d{5,20}")
_RETRYABLE_STATUS = frozenset({408, 425, 429})


class NotifyError(Exception):
    """A message could not be handed over; `permanent` when trying again cannot help."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Notifier(Protocol):
    """One channel: hands a message over or raises NotifyError."""

    def send(self, message: Message) -> None: ...


class NullNotifier:
    """Sends nothing: logs one line per message (recipient masked) and keeps the last `keep`
    messages in `sent`, so tests and the demo can see what would have gone out. The outbox
    records such a message as `skipped`, not `sent`."""

    def __init__(self, channel: str = "", *, keep: int = 200) -> None:
        self.channel = channel
        self.sent: deque[Message] = deque(maxlen=keep)

    def send(self, message: Message) -> None:
        self.sent.append(message)
        log.info("notification #%d not sent (no %s channel configured): %s to %s",
                 message.id, message.channel, message.kind,
                 mask_recipient(message.channel, message.recipient))

    def __repr__(self) -> str:
        return f"NullNotifier(channel={self.channel!r}, kept={len(self.sent)})"


def _http_failure(response: httpx.Response) -> NotifyError:
    status = response.status_code
    text = " ".join(response.text.split())[:200]
    permanent = 400 <= status < 500 and status not in _RETRYABLE_STATUS
    return NotifyError(f"HTTP {status}: {text}" if text else f"HTTP {status}", permanent=permanent)


def _post(url: str, content: bytes, headers: Mapping[str, str], timeout: float) -> None:
    """POST the body; a non-2xx answer or a network error raises NotifyError."""
    try:
        response = httpx.post(url, content=content, headers=dict(headers), timeout=timeout)
    except httpx.TimeoutException:
        raise NotifyError(f"no answer within {timeout:g} s") from None
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        raise NotifyError(f"{type(exc).__name__}: {exc}") from None
    if not 200 <= response.status_code < 300:
        raise _http_failure(response)


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class HttpSmsNotifier:
    """SMS through a generic HTTP gateway: POST `{"phone", "text"}` as JSON, optional bearer
    token; any 2xx is success."""

    def __init__(self, url: str, *, token: str | None = None, timeout: float = 10.0) -> None:
        self.url = url
        self._token = token
        self.timeout = timeout

    def send(self, message: Message) -> None:
        phone = re.sub(r"[\s\-()]", "", message.recipient)
        if not _PHONE.fullmatch(phone):
            raise NotifyError("手机号码格式不正确", permanent=True)
        headers = {"Content-Type": "application/json; charset=utf-8",
                   MESSAGE_ID_HEADER: str(message.id)}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        _post(self.url, _json({"phone": phone, "text": message.body}), headers, self.timeout)

    def __repr__(self) -> str:  # never the token
        return f"HttpSmsNotifier(url={self.url!r}, token={'***' if self._token else None})"


def sign(secret: str, body: bytes) -> str:
    """The webhook signature header's value: `sha256=` + hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def message_json(message: Message) -> dict[str, Any]:
    """The whole message as the webhook posts it."""
    return {"id": message.id, "channel": message.channel, "recipient": message.recipient,
            "subject": message.subject, "body": message.body, "kind": message.kind,
            "ref": message.ref, "created_at": message.created_at.isoformat(),
            "attempt": message.attempt}


class WebhookNotifier:
    """POSTs the whole message as JSON, signed with HMAC-SHA256 over the body (when a secret is
    configured) in the `X-Jiesu-Signature` header."""

    def __init__(self, url: str, *, secret: str | None = None, timeout: float = 10.0) -> None:
        self.url = url
        self._secret = secret
        self.timeout = timeout

    def send(self, message: Message) -> None:
        body = _json(message_json(message))
        headers = {"Content-Type": "application/json; charset=utf-8",
                   MESSAGE_ID_HEADER: str(message.id)}
        if self._secret:
            headers[SIGNATURE_HEADER] = sign(self._secret, body)
        _post(self.url, body, headers, self.timeout)

    def __repr__(self) -> str:  # never the secret
        return f"WebhookNotifier(url={self.url!r}, signed={bool(self._secret)})"


def _one_line(text: str) -> str:
    return " ".join(text.split())


class EmailNotifier:
    """E-mail over SMTP (`smtplib`), STARTTLS when asked, login when a user is configured.

    STARTTLS verifies the server's certificate and host name (against the system's CAs or
    `ca_file`): `smtplib`'s default context verifies nothing, so a man in the middle could
    read the password and the mail. A server that does not offer STARTTLS is an error, never
    a fall-back to plain text."""

    def __init__(self, host: str, port: int = 587, *, sender: str, user: str = "",
                 password: str | None = None, starttls: bool = True, timeout: float = 10.0,
                 default_subject: str = "通知", ca_file: str | None = None) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.user, self._password = user, password
        self.starttls, self.timeout = starttls, timeout
        self.default_subject = default_subject
        self.ca_file = ca_file

    def _email(self, message: Message) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.recipient
        email["Subject"] = _one_line(message.subject) or self.default_subject
        domain = self.sender.rpartition("@")[2].strip("> ") or "jiesu"
        # the same id on every attempt, so a mail system can drop a repeat
        email["Message-ID"] = f"<notification-{message.id}@{domain}>"
        email.set_content(message.body)
        return email

    def send(self, message: Message) -> None:
        if not email_address(message.recipient):
            raise NotifyError("电子邮箱地址格式不正确", permanent=True)
        email = self._email(message)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context(cafile=self.ca_file))
                if self.user:
                    smtp.login(self.user, self._password or "")
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise NotifyError(f"SMTP refused the recipient ({', '.join(map(str, codes))})",
                              permanent=all(code >= 500 for code in codes)) from None
        except smtplib.SMTPDataError as exc:
            raise NotifyError(f"SMTP refused the message: {exc.smtp_code}",
                              permanent=exc.smtp_code >= 500) from None
        except smtplib.SMTPResponseException as exc:  # login, sender: configuration to fix
            raise NotifyError(f"SMTP {exc.smtp_code}: {_smtp_text(exc.smtp_error)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise NotifyError(f"{type(exc).__name__}: {exc}") from None

    def __repr__(self) -> str:  # never the password
        return (f"EmailNotifier(host={self.host!r}, port={self.port}, sender={self.sender!r}, "
                f"user={self.user!r}, starttls={self.starttls})")


def _smtp_text(error: bytes | str) -> str:
    text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
    return _one_line(text)[:200]


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


def unconfigured(notifiers: Mapping[str, Notifier]) -> list[str]:
    """The channels with no real notifier: their messages are only logged and recorded as
    skipped (未发送), not kept waiting, so the outbox does not fill up in a city without, say,
    an SMS gateway."""
    return [c for c in CHANNELS if isinstance(notifiers.get(c), NullNotifier)
            or c not in notifiers]


def notifiers_from_settings(settings: Settings) -> dict[str, Notifier]:
    """One notifier per channel: the configured one, or a NullNotifier that only logs."""
    timeout = settings.notify_timeout_seconds
    notifiers: dict[str, Notifier] = {channel: NullNotifier(channel) for channel in CHANNELS}
    if settings.sms_url:
        notifiers["sms"] = HttpSmsNotifier(settings.sms_url, token=_secret(settings.sms_token),
                                           timeout=timeout)
    if settings.webhook_url:
        notifiers["webhook"] = WebhookNotifier(
            settings.webhook_url, secret=_secret(settings.webhook_secret), timeout=timeout)
    if settings.smtp_host:
        notifiers["email"] = EmailNotifier(
            settings.smtp_host, settings.smtp_port, sender=settings.smtp_from,
            user=settings.smtp_user, password=_secret(settings.smtp_password),
            starttls=settings.smtp_starttls, timeout=timeout,
            ca_file=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
            default_subject=f"{settings.city_name} 12345 通知")
    unset = unconfigured(notifiers)
    if unset and settings.environment == "production":
        log.warning("notification channels not configured, their messages are only logged: %s",
                    ", ".join(unset))
    if (settings.environment == "production" and "sms" not in unset
            and not settings.public_base_url.strip()):
        # a resident's text would hold "/survey/…" and "/track": nothing a phone can open
        log.warning("JIESU_PUBLIC_BASE_URL is not set: the links in text messages to "
                    "requesters (tracking, the follow-up survey) are paths only, which a phone "
                    "cannot open; set it to the site's public address")
    return notifiers
