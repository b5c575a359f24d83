"""STARTTLS, implicit TLS and login against a real aiosmtpd server with a throw-away certificate."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from datetime import timedelta

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from policytrack.digest.run import DigestRun
from policytrack.digest.smtp import ConnectError, Mailer, SmtpOptions
from policytrack.digest.subscribers import Subscribers

from .conftest import NOW, LocalController, Recorder, make_settings, notes

# The implicit-TLS server is TLS from the first byte, which aiosmtpd cannot see: it warns.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    client = ssl.create_default_context(cafile=str(folder / "cert.pem"))  # verifies chain and host name
    return server, client


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"digest", b"s3cret")
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def tls_server(certificate):
    server_ctx, _ = certificate
    recorder = Recorder()
    controllers = [
        LocalController(
            recorder,
            hostname="127.0.0.1",
            port=0,
            tls_context=server_ctx,
            require_starttls=True,
            authenticator=authenticator,
            auth_required=True,
        ),
        # implicit TLS: aiosmtpd does not see the session as TLS, so it must be told AUTH is fine
        LocalController(
            recorder,
            hostname="127.0.0.1",
            port=0,
            ssl_context=server_ctx,
            authenticator=authenticator,
            auth_required=True,
            auth_require_tls=False,
        ),
    ]
    for c in controllers:
        c.start()
    try:
        yield recorder, controllers[0].port, controllers[1].port
    finally:
        for c in controllers:
            c.stop()


def send(tmp_path, store, port, security, client_ctx, username="digest", password="s3cret"):
    settings = make_settings(
        tmp_path, port=port, smtp_security=security, smtp_username=username, smtp_password=password
    )
    Subscribers(store, settings).add(NOW, update=True, email="ana@example.org", topics=["due-diligence"])
    run = DigestRun(store, settings, NOW, notes=notes(NOW))
    with Mailer(SmtpOptions.from_settings(settings.digest, ssl_context=client_ctx)) as mailer:
        return run.send(mailer)


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_tls_and_login(tmp_path, store, certificate, tls_server, mode):
    recorder, starttls_port, ssl_port = tls_server
    report = send(tmp_path, store, starttls_port if mode == "starttls" else ssl_port, mode, certificate[1])
    assert [r.status for r in report.results] == ["sent"]
    assert recorder.recipients() == ["ana@example.org"]


def test_wrong_password_stops_the_run_with_a_clear_reason(tmp_path, store, certificate, tls_server):
    recorder, port, _ = tls_server
    report = send(tmp_path, store, port, "starttls", certificate[1], password="wrong")
    assert [r.status for r in report.results] == ["not sent"]
    assert "refused the login: 535" in report.results[0].detail
    assert recorder.messages == []


def test_an_untrusted_certificate_is_refused(tmp_path, store, tls_server):
    _recorder, port, _ = tls_server
    options = SmtpOptions("127.0.0.1", port, "starttls", "digest", "s3cret")  # system trust store only
    with pytest.raises(ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        Mailer(options).connect()
