"""Receivers on this machine or a private network are refused (SSRF), at subscription and
again at delivery (DNS rebinding), unless WEBHOOK_ALLOW_PRIVATE=true."""

import os
import socket
import subprocess
import sys

import pytest
from django.conf import settings

from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.webhooks import delivery, services, ssrf

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://127.1.2.3:8080/hook",
        "http://10.0.0.5/hook",
        "http://172.16.4.4/hook",
        "http://192.168.1.10/hook",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://100.64.0.1/hook",  # carrier-grade NAT
        "http://0.0.0.0/hook",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[fd00::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://224.0.0.1/hook",
        "http://localhost:8000/hook",  # a name that resolves to loopback
    ],
)
def test_a_receiver_on_a_private_or_loopback_address_is_refused_with_400(api, url):
    reply = api.post("/api/v1/webhooks/", {"url": url, "events": ["response.created"]}, format="json")

    assert reply.status_code == 400, reply.content
    assert "public addresses only" in reply.json()["url"][0]
    assert not WebhookSubscription.objects.exists()


def test_a_host_that_does_not_resolve_is_refused_with_400(api):
    reply = api.post(
        "/api/v1/webhooks/", {"url": "https://no-such-host.invalid/hook", "events": ["case.opened"]}, format="json"
    )
    assert reply.status_code == 400
    assert "could not be resolved" in reply.json()["url"][0]


def test_the_environment_setting_allows_private_receivers(api, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    for url in ("http://127.0.0.1:9000/hook", "http://10.1.2.3/hook", "http://localhost:9000/hook"):
        reply = api.post("/api/v1/webhooks/", {"url": url, "events": ["response.created"]}, format="json")
        assert reply.status_code == 201, reply.content


@pytest.mark.parametrize("value, allowed", [(None, "False"), ("true", "True"), ("false", "False")])
def test_the_setting_comes_from_the_environment_and_is_off_by_default(value, allowed):
    env = {k: v for k, v in os.environ.items() if k != "WEBHOOK_ALLOW_PRIVATE"}
    if value is not None:
        env["WEBHOOK_ALLOW_PRIVATE"] = value
    code = "import django; django.setup(); from django.conf import settings; print(settings.WEBHOOK_ALLOW_PRIVATE)"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip().splitlines()[-1] == allowed, result.stderr


def test_public_addresses_pass():
    assert ssrf.is_public(ssrf.resolve("93.184.215.14", 443)[0])
    assert ssrf.is_public(ssrf.resolve("2606:2800:21f:cb07:6820:80da:af6b:8b2c", 443)[0])
    assert ssrf.check("https://93.184.215.14:8443/a?b=c").path == "/a?b=c"


def test_a_name_that_resolves_to_a_private_address_at_delivery_is_not_contacted(monkeypatch, receiver):
    """DNS rebinding: public when subscribed, 127.0.0.1 when the delivery goes out."""
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])
    answers = {"hooks.example.com": "93.184.215.14"}
    real_getaddrinfo = socket.getaddrinfo

    def fake_getaddrinfo(host, *args, **kwargs):
        if host in answers:  # the name server of a host we do not own
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    subscription = services.subscribe(url=f"http://hooks.example.com:{port}/hooks", events_=["case.opened"])
    (delivery_id,) = services.record_event("case.opened", {"id": 1})

    answers["hooks.example.com"] = "127.0.0.1"
    outcome = delivery.attempt(delivery_id)

    assert outcome.result == "failed"
    row = WebhookDelivery.objects.get(pk=delivery_id)
    assert row.status == WebhookDelivery.Status.FAILED
    assert "127.0.0.1" in row.last_error and "Refused" in row.last_error
    assert receiver.received == []  # never contacted
    assert subscription.deliveries.count() == 1


def test_a_host_with_one_private_address_among_public_ones_is_refused(monkeypatch):
    def fake_getaddrinfo(host, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 443)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(ssrf.UnsafeUrl, match=r"10\.0\.0\.7"):
        ssrf.check("https://mixed.example.com/hook")
