"""HTTPS receivers: the certificate is checked against the URL's host name even though we
connect to the address checked for SSRF; an untrusted or mismatched certificate is not sent to."""

import datetime
import ssl
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from integrations.webhooks import delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def tls_receiver(tmp_path, allow_private):
    """An HTTPS server on 127.0.0.1 with a self-signed certificate for `localhost`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            hosts.append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"port": server.server_address[1], "ca": str(cert_file), "hosts": hosts}
    server.shutdown()
    server.server_close()


def test_an_untrusted_certificate_is_refused(tls_receiver):
    with pytest.raises(delivery.DeliveryFailed, match="CERTIFICATE_VERIFY_FAILED"):
        delivery.post(f"https://localhost:{tls_receiver['port']}/hook", "{}", {})
    assert tls_receiver["hosts"] == []


def test_a_trusted_certificate_for_the_host_name_is_accepted(tls_receiver, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", tls_receiver["ca"])  # trust the test's own authority

    assert delivery.post(f"https://localhost:{tls_receiver['port']}/hook", "{}", {}) == 204
    assert tls_receiver["hosts"] == [f"localhost:{tls_receiver['port']}"]


def test_a_certificate_for_another_name_is_refused(tls_receiver, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", tls_receiver["ca"])
    with pytest.raises(delivery.DeliveryFailed, match=r"127\.0\.0\.1"):
        delivery.post(f"https://127.0.0.1:{tls_receiver['port']}/hook", "{}", {})
    assert tls_receiver["hosts"] == []
