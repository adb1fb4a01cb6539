"""Notification channels against real local servers: an HTTP server in a thread for the SMS
gateway and the webhook, a minimal SMTP server on a socket for e-mail (no network)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socketserver
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from jiesu.adapters.notify import (
    EmailNotifier,
    HttpSmsNotifier,
    NotifyError,
    NullNotifier,
    WebhookNotifier,
    notifiers_from_settings,
    sign,
)
from jiesu.config import Settings
from jiesu.domain.notification import Message

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def message(channel: str = "sms", recipient: str = "13800138000", **kw: Any) -> Message:
    values: dict[str, Any] = {"id": 7, "channel": channel, "recipient": recipient,
                              "subject": "政策提醒", "body": "您的企业符合“稳岗补贴”申报条件。",
                              "kind": "policy_match", "ref": "policy_match:12",
                              "created_at": T0, "attempt": 1}
    values.update(kw)
    return Message(**values)


# -- a real HTTP server ------------------------------------------------------------------------

@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Gateway:
    url: str
    status: int = 200
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    state = Gateway(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.received.append(Received(self.path, dict(self.headers.items()), body))
            time.sleep(state.delay)
            answer = b'{"ok": false, "reason": "bad phone"}' if state.status >= 300 else b"{}"
            try:
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:  # the client gave up waiting (the timeout test)
                pass

        def log_message(self, *args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/send"
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()


def test_sms_posts_phone_and_text_with_the_bearer_token(gateway: Gateway) -> None:
    HttpSmsNotifier(gateway.url, token="s3cret").send(message(recipient="138 0013-8000"))
    [got] = gateway.received
    assert got.path == "/send"
    assert json.loads(got.body) == {"phone": "13800138000",
                                    "text": "您的企业符合“稳岗补贴”申报条件。"}
    assert got.headers["Authorization"] == "Bearer s3cret"
    assert got.headers["X-Jiesu-Message-Id"] == "7"
    assert got.headers["Content-Type"].startswith("application/json")


def test_sms_without_a_token_sends_no_authorization(gateway: Gateway) -> None:
    HttpSmsNotifier(gateway.url).send(message())
    assert "Authorization" not in gateway.received[0].headers


@pytest.mark.parametrize(("status", "permanent"), [
    (500, False), (503, False), (429, False), (408, False), (400, True), (401, True),
    (404, True), (302, False)])
def test_a_non_2xx_answer_is_a_failure_4xx_permanent(gateway: Gateway, status: int,
                                                      permanent: bool) -> None:
    gateway.status = status
    with pytest.raises(NotifyError) as raised:
        HttpSmsNotifier(gateway.url).send(message())
    assert raised.value.permanent is permanent
    assert raised.value.reason.startswith(f"HTTP {status}")
    assert len(gateway.received) == 1


def test_any_2xx_is_success(gateway: Gateway) -> None:
    gateway.status = 202
    HttpSmsNotifier(gateway.url).send(message())


def test_a_malformed_phone_fails_permanently_without_a_request(gateway: Gateway) -> None:
    for bad in ("", "电话", "138-abc", "1" * 30):
        with pytest.raises(NotifyError) as raised:
            HttpSmsNotifier(gateway.url).send(message(recipient=bad))
        assert raised.value.permanent
    assert gateway.received == []


def test_a_slow_gateway_times_out_and_is_retryable(gateway: Gateway) -> None:
    gateway.delay = 1.0
    started = time.monotonic()
    with pytest.raises(NotifyError) as raised:
        HttpSmsNotifier(gateway.url, timeout=0.2).send(message())
    assert time.monotonic() - started < 0.9
    assert not raised.value.permanent
    assert "0.2 s" in raised.value.reason


def test_an_unreachable_gateway_is_retryable() -> None:
    with socketserver.TCPServer(("127.0.0.1", 0), socketserver.BaseRequestHandler) as s:
        port = s.server_address[1]  # a port nobody listens on once closed
    with pytest.raises(NotifyError) as raised:
        HttpSmsNotifier(f"http://127.0.0.1:{port}/send", timeout=2).send(message())
    assert not raised.value.permanent


def test_the_webhook_posts_the_whole_message_signed(gateway: Gateway) -> None:
    WebhookNotifier(gateway.url, secret="hook-key").send(message(channel="webhook",
                                                                 recipient="enterprise-42"))
    [got] = gateway.received
    payload = json.loads(got.body)
    assert payload == {"id": 7, "channel": "webhook", "recipient": "enterprise-42",
                       "subject": "政策提醒", "body": "您的企业符合“稳岗补贴”申报条件。",
                       "kind": "policy_match", "ref": "policy_match:12",
                       "created_at": "2026-03-02T02:00:00+00:00", "attempt": 1}
    # what a receiver does: HMAC-SHA256 of the raw body under the shared secret
    expected = hmac.new(b"hook-key", got.body, hashlib.sha256).hexdigest()
    assert got.headers["X-Jiesu-Signature"] == f"sha256={expected}" == sign("hook-key", got.body)
    assert not hmac.compare_digest(got.headers["X-Jiesu-Signature"],
                                   sign("other-key", got.body))
    assert got.headers["X-Jiesu-Message-Id"] == "7"


def test_the_webhook_fails_like_the_gateway(gateway: Gateway) -> None:
    gateway.status = 400
    with pytest.raises(NotifyError) as raised:
        WebhookNotifier(gateway.url, secret="k").send(message(channel="webhook"))
    assert raised.value.permanent
    gateway.status = 502
    with pytest.raises(NotifyError) as raised:
        WebhookNotifier(gateway.url, secret="k").send(message(channel="webhook"))
    assert not raised.value.permanent


# -- a minimal SMTP server ---------------------------------------------------------------------

@dataclass
class Mailbox:
    port: int = 0
    refuse_rcpt: int | None = None  # answer RCPT with this code
    mails: list[tuple[str, list[str], str]] = field(default_factory=list)
    tls: ssl.SSLContext | None = None  # offer STARTTLS with this server context
    over_tls: list[bool] = field(default_factory=list)  # per mail: was the session encrypted


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()

    class Smtp(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")

        def handle(self) -> None:
            self.reply("220 test ESMTP")
            sender, rcpts = "", []
            while line := self.rfile.readline().decode("utf-8", "replace").rstrip("\r\n"):
                verb = line.split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    offer = box.tls is not None and not isinstance(self.connection, ssl.SSLSocket)
                    self.reply("250-test\r\n" + ("250-STARTTLS\r\n" if offer else "")
                               + "250 8BITMIME")
                elif verb == "STARTTLS" and box.tls is not None:
                    self.reply("220 go ahead")
                    try:
                        self.connection = box.tls.wrap_socket(self.connection, server_side=True)
                    except (ssl.SSLError, OSError):
                        return  # the client refused our certificate
                    self.rfile = self.connection.makefile("rb")
                    self.wfile = self.connection.makefile("wb", buffering=0)
                elif verb == "MAIL":
                    sender = line.split(":", 1)[1].split()[0].strip("<>")
                    self.reply("250 OK")
                elif verb == "RCPT":
                    if box.refuse_rcpt:
                        self.reply(f"{box.refuse_rcpt} no such user")
                        continue
                    rcpts.append(line.split(":", 1)[1].strip().strip("<>"))
                    self.reply("250 OK")
                elif verb == "DATA":
                    self.reply("354 go ahead")
                    data = []
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        data.append(chunk)
                    box.mails.append((sender, rcpts, b"".join(data).decode("utf-8")))
                    box.over_tls.append(isinstance(self.connection, ssl.SSLSocket))
                    self.reply("250 queued")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("250 OK")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Smtp)
    server.daemon_threads = True
    box.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield box
    server.shutdown()
    server.server_close()


def test_email_goes_through_smtp(mailbox: Mailbox) -> None:
    notifier = EmailNotifier("127.0.0.1", mailbox.port, sender="12345@city.example",
                             starttls=False, timeout=5)
    notifier.send(message(channel="email", recipient="boss@firm.example"))
    [(sender, rcpts, data)] = mailbox.mails
    assert (sender, rcpts) == ("12345@city.example", ["boss@firm.example"])
    assert "Message-ID: <notification-7@city.example>" in data
    assert "From: 12345@city.example" in data


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A private CA and a certificate it signed for localhost: (ca, cert, key) PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("test CA")).issuer_name(name("test CA"))
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                       False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(name("localhost")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    d = tmp_path_factory.mktemp("tls")
    (d / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (d / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (d / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return d / "ca.pem", d / "cert.pem", d / "key.pem"


def _tls_server(mailbox: Mailbox, certificates: tuple[Path, Path, Path]) -> None:
    _, cert, key = certificates
    mailbox.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    mailbox.tls.load_cert_chain(cert, key)


def test_email_starttls_verifies_the_server_and_then_sends_encrypted(
        mailbox: Mailbox, certificates: tuple[Path, Path, Path]) -> None:
    _tls_server(mailbox, certificates)
    notifier = EmailNotifier("localhost", mailbox.port, sender="a@b.example",
                             ca_file=str(certificates[0]), timeout=5)
    notifier.send(message(channel="email", recipient="boss@firm.example"))
    assert [rcpts for _, rcpts, _ in mailbox.mails] == [["boss@firm.example"]]
    assert mailbox.over_tls == [True]


def test_email_starttls_refuses_a_server_it_cannot_verify(
        mailbox: Mailbox, certificates: tuple[Path, Path, Path]) -> None:
    """smtplib's own default context verifies nothing: a man in the middle with any
    certificate would have read the login and the mail."""
    _tls_server(mailbox, certificates)
    untrusted = EmailNotifier("localhost", mailbox.port, sender="a@b.example", user="u",
                              password="secret", timeout=5)  # the system CAs only
    with pytest.raises(NotifyError, match="CERTIFICATE_VERIFY_FAILED|certificate verify"):
        untrusted.send(message(channel="email", recipient="boss@firm.example"))
    wrong_name = EmailNotifier("127.0.0.1", mailbox.port, sender="a@b.example",
                               ca_file=str(certificates[0]), timeout=5)  # cert says localhost
    with pytest.raises(NotifyError, match="IP address mismatch|hostname|match"):
        wrong_name.send(message(channel="email", recipient="boss@firm.example"))
    assert mailbox.mails == []


def test_email_without_starttls_on_offer_is_not_sent_in_plain_text(mailbox: Mailbox) -> None:
    notifier = EmailNotifier("127.0.0.1", mailbox.port, sender="a@b.example", timeout=5)
    with pytest.raises(NotifyError, match="STARTTLS"):
        notifier.send(message(channel="email", recipient="boss@firm.example"))
    assert mailbox.mails == []


def test_email_refused_recipient_is_permanent_on_5xx_retryable_on_4xx(mailbox: Mailbox) -> None:
    notifier = EmailNotifier("127.0.0.1", mailbox.port, sender="a@b.example", starttls=False)
    mailbox.refuse_rcpt = 550
    with pytest.raises(NotifyError) as raised:
        notifier.send(message(channel="email", recipient="nobody@firm.example"))
    assert raised.value.permanent
    mailbox.refuse_rcpt = 450
    with pytest.raises(NotifyError) as raised:
        notifier.send(message(channel="email", recipient="busy@firm.example"))
    assert not raised.value.permanent


def test_email_to_a_malformed_address_fails_permanently() -> None:
    notifier = EmailNotifier("127.0.0.1", 1, sender="a@b.example")
    for bad in ("13800138000", "a@b", "a b@c.example", "x@y.example\nBcc: z@w.example"):
        with pytest.raises(NotifyError) as raised:
            notifier.send(message(channel="email", recipient=bad))
        assert raised.value.permanent


def test_email_when_starttls_is_not_offered_is_retryable(mailbox: Mailbox) -> None:
    notifier = EmailNotifier("127.0.0.1", mailbox.port, sender="a@b.example", starttls=True)
    with pytest.raises(NotifyError) as raised:
        notifier.send(message(channel="email", recipient="boss@firm.example"))
    assert not raised.value.permanent
    assert mailbox.mails == []


# -- the null twin and the settings ------------------------------------------------------------

def test_null_notifier_logs_masked_and_keeps_the_last_messages(
        caplog: pytest.LogCaptureFixture) -> None:
    null = NullNotifier("sms", keep=2)
    with caplog.at_level(logging.INFO, logger="jiesu.notify"):
        for i in range(3):
            null.send(message(id=i))
    assert [m.id for m in null.sent] == [1, 2]
    assert len(caplog.records) == 3
    text = caplog.text
    assert "138****8000" in text and "13800138000" not in text


def test_nothing_configured_means_null_twins_everywhere() -> None:
    notifiers = notifiers_from_settings(Settings(_env_file=None))  # type: ignore[call-arg]
    assert set(notifiers) == {"sms", "email", "webhook"}
    assert all(isinstance(n, NullNotifier) for n in notifiers.values())


def test_configured_channels_and_secrets_never_shown() -> None:
    settings = Settings(_env_file=None, sms_url="http://sms.example/send",  # type: ignore[call-arg]
                        sms_token="tok-123", webhook_url="http://hook.example/",
                        webhook_secret="hook-456", smtp_host="smtp.example",
                        smtp_from="12345@city.example", smtp_password="pw-789")
    notifiers = notifiers_from_settings(settings)
    assert isinstance(notifiers["sms"], HttpSmsNotifier)
    assert isinstance(notifiers["webhook"], WebhookNotifier)
    assert isinstance(notifiers["email"], EmailNotifier)
    shown = repr(settings) + str(settings) + repr(notifiers)
    for secret in ("tok-123", "hook-456", "pw-789"):
        assert secret not in shown


def test_texts_without_the_sites_address_are_warned_of_in_production(
        caplog: pytest.LogCaptureFixture) -> None:
    """Without JIESU_PUBLIC_BASE_URL a requester's text says "/survey/…": nothing to tap."""
    production = {"_env_file": None, "environment": "production",
                  "secret_key": "a-real-secret-for-production-0123456789",
                  "sms_url": "http://sms.example/send"}
    with caplog.at_level(logging.WARNING, logger="jiesu.notify"):
        notifiers_from_settings(Settings(**production))  # type: ignore[arg-type]
    assert "JIESU_PUBLIC_BASE_URL is not set" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="jiesu.notify"):
        notifiers_from_settings(Settings(**production,  # type: ignore[arg-type]
                                         public_base_url="https://12345.example.gov.cn"))
        notifiers_from_settings(Settings(_env_file=None))  # type: ignore[call-arg]
    assert "JIESU_PUBLIC_BASE_URL" not in caplog.text


def test_half_configured_notifications_are_refused() -> None:
    with pytest.raises(ValidationError, match="JIESU_SMTP_FROM"):
        Settings(_env_file=None, smtp_host="smtp.example")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="JIESU_WEBHOOK_SECRET"):
        Settings(_env_file=None, environment="production",  # type: ignore[call-arg]
                 secret_key="a-real-secret-for-production-0123456789",
                 webhook_url="http://hook.example/")
