"""Which receiver URLs we may post to: never this machine or a private network (SSRF).

A URL is checked when it is subscribed and again at every delivery, after resolving its
host: a name that resolved to a public address yesterday may point at 127.0.0.1 today
(DNS rebinding). The delivery then connects to the very address that was checked, so a
second lookup cannot swap it. WEBHOOK_ALLOW_PRIVATE=true lifts the address rule (a
receiver inside the company network, or tests against a local server).
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

MAX_URL_LENGTH = 2000
DEFAULT_PORTS = {"http": 80, "https": 443}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(ValueError):
    """The URL is malformed, or its host is (or resolves to) an address we must not reach."""


class UnresolvableHost(UnsafeUrl):
    """The host name does not resolve (now): may be temporary at delivery time."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (address, port) and what to say (host, path)."""

    scheme: str
    host: str
    port: int
    path: str
    address: str

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def is_public(address: IPAddress) -> bool:
    """False for loopback, private, link-local, shared, reserved, multicast, unspecified."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


def allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE", False))


def parse(url: str) -> SplitResult:
    """Split an http(s) URL with a host and no credentials; UnsafeUrl otherwise."""
    if not isinstance(url, str) or not url.strip():
        raise UnsafeUrl("Enter the receiver's URL.")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"Keep the URL to {MAX_URL_LENGTH} characters or fewer.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"Not a valid URL: {exc}.") from exc
    if parts.scheme not in DEFAULT_PORTS:
        raise UnsafeUrl("The URL must start with https:// or http://.")
    if not parts.hostname:
        raise UnsafeUrl("The URL has no host name.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("Credentials in the URL are not supported; the signature authenticates us.")
    if port == 0:
        raise UnsafeUrl("Port 0 is not a valid port.")
    if any(ch.isspace() for ch in url) or any(ord(ch) < 32 for ch in url):
        raise UnsafeUrl("The URL contains spaces or control characters.")
    return parts


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host resolves to (an address literal resolves to itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise UnresolvableHost(f"The host {host} could not be resolved ({exc}).") from exc
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnresolvableHost(f"The host {host} has no address.")
    return addresses


def check(url: str) -> Target:
    """Parse, resolve and check the URL; return where to connect. Raises UnsafeUrl.

    A host with several addresses is refused if any of them is not public: which one a
    client would pick is not ours to choose.
    """
    parts = parse(url)
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    host = parts.hostname
    addresses = resolve(host, port)
    if not allow_private():
        blocked = [a for a in addresses if not is_public(a)]
        if blocked:
            raise UnsafeUrl(
                f"{host} is (or resolves to) {blocked[0]}, a loopback, private or reserved address: "
                "webhooks go to public addresses only (WEBHOOK_ALLOW_PRIVATE=true allows it)."
            )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=parts.scheme, host=host, port=port, path=path, address=str(addresses[0]))
