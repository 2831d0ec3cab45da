"""Each robot service's request against a local fake robot: the payload's shape, the signature
recomputed here from the secret, and what counts as a failure."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest

from kam.notifications.channels import webhooks
from kam.notifications.channels.errors import SendError
from kam.notifications.channels.webhooks import Message

MESSAGE = Message(
    title="Approval waiting: 立项 East furnace",
    text="Approval waiting · for 张三",
    url="https://kam.example.com/x/1/",
)
SECRET = "SEC0123456789abcdef"


def test_wecom_posts_markdown_to_the_robot_url(robot):
    webhooks.send("wecom", robot.url(), "", MESSAGE, timeout=5)
    (request,) = robot.requests
    assert request.path == "/robot/send"
    assert request.query == {"access_token": "abc123"}
    assert request.headers["content-type"].startswith("application/json")
    assert set(request.body) == {"msgtype", "markdown"}
    assert request.body["msgtype"] == "markdown"
    content = request.body["markdown"]["content"]
    assert content.startswith("**Approval waiting: 立项 East furnace**")
    assert "for 张三" in content and "(https://kam.example.com/x/1/)" in content


def test_dingtalk_signs_the_url_with_timestamp_and_hmac_of_the_secret(robot):
    before = int(time.time() * 1000)
    webhooks.send("dingtalk", robot.url(), SECRET, MESSAGE, timeout=5)
    after = int(time.time() * 1000)
    (request,) = robot.requests
    assert request.query["access_token"] == "abc123"
    timestamp = int(request.query["timestamp"])
    assert before <= timestamp <= after
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    # parse_qsl decoded the URL-encoding ("+" "/" "=" survive only if they were encoded).
    assert request.query["sign"] == expected
    assert request.body["msgtype"] == "markdown"
    assert request.body["markdown"]["title"] == MESSAGE.title
    assert MESSAGE.title in request.body["markdown"]["text"]


def test_dingtalk_sign_is_url_encoded_in_the_address():
    url, _body = webhooks.build_request(
        "dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t", SECRET, MESSAGE, now=1700000000.123
    )
    raw_sign = url.split("sign=")[1]
    assert "+" not in raw_sign and "/" not in raw_sign and "=" not in raw_sign
    assert "&timestamp=1700000000123&" in url


def test_dingtalk_without_a_secret_posts_to_the_bare_url(robot):
    webhooks.send("dingtalk", robot.url(), "", MESSAGE, timeout=5)
    assert robot.requests[0].query == {"access_token": "abc123"}


def test_feishu_signs_the_body_with_the_timestamp_and_secret_as_key(robot):
    before = int(time.time())
    robot.answer((200, {"code": 0, "msg": "success", "data": {}}))
    webhooks.send("feishu", robot.url("/open-apis/bot/v2/hook/xyz"), SECRET, MESSAGE, timeout=5)
    (request,) = robot.requests
    body = request.body
    assert request.path == "/open-apis/bot/v2/hook/xyz"
    assert isinstance(body["timestamp"], str)
    timestamp = int(body["timestamp"])
    assert before <= timestamp <= int(time.time())
    expected = base64.b64encode(
        hmac.new(f"{timestamp}\n{SECRET}".encode(), b"", hashlib.sha256).digest()
    ).decode()
    assert body["sign"] == expected
    assert body["msg_type"] == "interactive"
    assert body["card"]["header"]["title"]["content"] == MESSAGE.title
    button = body["card"]["elements"][-1]["actions"][0]
    assert button["url"] == MESSAGE.url


def test_feishu_without_a_secret_sends_no_signature(robot):
    webhooks.send("feishu", robot.url(), "", MESSAGE, timeout=5)
    assert "sign" not in robot.requests[0].body and "timestamp" not in robot.requests[0].body


@pytest.mark.parametrize(
    ("service", "answer", "message"),
    [
        ("wecom", (200, {"errcode": 93000, "errmsg": "invalid webhook url"}), "errcode 93000"),
        ("dingtalk", (200, {"errcode": 310000, "errmsg": "sign not match"}), "sign not match"),
        (
            "feishu",
            (200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}),
            "code 19021",
        ),
        ("feishu", (200, {"StatusCode": 9499, "StatusMessage": "Bad Request"}), "StatusCode 9499"),
        ("wecom", (500, {"errcode": 0}), "HTTP 500"),
        ("wecom", (404, b"not here"), "HTTP 404"),
    ],
)
def test_an_error_code_or_a_non_2xx_answer_is_a_failure(robot, service, answer, message):
    robot.answer(answer)
    with pytest.raises(SendError, match=message):
        webhooks.send(service, robot.url(), SECRET, MESSAGE, timeout=5)


def test_a_redirect_is_not_followed(robot):
    robot.answer((302, b""))
    with pytest.raises(SendError, match="HTTP 302"):
        webhooks.send("wecom", robot.url(), "", MESSAGE, timeout=5)
    assert [r.path for r in robot.requests] == ["/robot/send"]


def test_a_2xx_without_json_reports_no_error(robot):
    robot.answer((200, b"ok"))
    webhooks.send("wecom", robot.url(), "", MESSAGE, timeout=5)


def test_nothing_listening_is_a_failure(closed_port):
    with pytest.raises(SendError, match="URLError|ConnectionRefused"):
        webhooks.send("wecom", closed_port, "", MESSAGE, timeout=2)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "not a url", ""])
def test_only_http_addresses_are_posted_to(url):
    with pytest.raises(SendError, match="http"):
        webhooks.send("wecom", url, "", MESSAGE, timeout=5)


def test_the_log_shows_the_host_not_the_key():
    assert (
        webhooks.host_of("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET")
        == "qyapi.weixin.qq.com"
    )
