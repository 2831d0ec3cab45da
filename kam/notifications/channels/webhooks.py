"""Group-robot webhooks: WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书).

Pure senders: each builds its service's JSON (and signature) from a `Message` and posts it with the
standard library. A non-2xx answer, a transport error or an error code in the JSON answer
(`errcode` for WeCom and DingTalk, `code` / `StatusCode` for Feishu) raises `SendError`, whose text
goes to the delivery log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from kam.notifications.channels.errors import SendError

WECOM = "wecom"
DINGTALK = "dingtalk"
FEISHU = "feishu"
SERVICES = (WECOM, DINGTALK, FEISHU)
# What the services accept in one message; longer text is cut so the post is not refused whole.
MAX_CONTENT = 4000
# A robot's answer is a small JSON object; never read more than this of it.
MAX_ANSWER = 64 * 1024


@dataclass(frozen=True)
class Message:
    """What a robot posts: a title, a markdown body and an absolute link (may be empty)."""

    title: str
    text: str
    url: str = ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A robot's URL answers itself; following a redirect would re-send the body (and the
    signature) to wherever it points."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def check_url(url: str) -> None:
    """Only http(s): urllib would also open file:// and ftp:// addresses."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SendError("not an http(s) URL")


def host_of(url: str) -> str:
    """The address shown in the delivery log: the host only, since the URL's query holds the key."""
    return urllib.parse.urlsplit(url).netloc[:254]


def _hmac_base64(key: bytes, msg: bytes) -> str:
    return base64.b64encode(hmac.new(key, msg, digestmod=hashlib.sha256).digest()).decode("ascii")


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: base64(HMAC-SHA256(key=secret, msg="timestamp\\nsecret")), not yet
    URL-encoded."""
    return _hmac_base64(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's signature: base64(HMAC-SHA256(key="timestamp\\nsecret", msg=b""))."""
    return _hmac_base64(f"{timestamp_s}\n{secret}".encode(), b"")


def _markdown(message: Message) -> str:
    text = f"**{message.title}**\n\n{message.text}".strip()
    if message.url:
        text += f"\n\n[{message.url}]({message.url})"
    return text[:MAX_CONTENT]


def wecom_request(url: str, message: Message) -> tuple[str, dict[str, Any]]:
    return url, {"msgtype": "markdown", "markdown": {"content": _markdown(message)}}


def dingtalk_request(url: str, secret: str, message: Message, now: float) -> tuple[str, dict[str, Any]]:
    if secret:
        timestamp = int(now * 1000)
        sign = urllib.parse.quote_plus(dingtalk_sign(secret, timestamp))
        url += ("&" if urllib.parse.urlsplit(url).query else "?") + f"timestamp={timestamp}&sign={sign}"
    body = {"msgtype": "markdown", "markdown": {"title": message.title[:100], "text": _markdown(message)}}
    return url, body


def feishu_request(url: str, secret: str, message: Message, now: float) -> tuple[str, dict[str, Any]]:
    elements: list[dict[str, Any]] = []
    if message.text:
        elements.append({"tag": "div", "text": {"tag": "lark_md", "content": message.text[:MAX_CONTENT]}})
    if message.url:
        elements.append(
            {
                "tag": "action",
                "actions": [
                    {
                        "tag": "button",
                        "text": {"tag": "plain_text", "content": message.title[:40] or message.url},
                        "type": "primary",
                        "url": message.url,
                    }
                ],
            }
        )
    body: dict[str, Any] = {
        "msg_type": "interactive",
        "card": {
            "header": {"title": {"tag": "plain_text", "content": message.title[:200]}},
            "elements": elements,
        },
    }
    if secret:
        timestamp = int(now)
        body = {"timestamp": str(timestamp), "sign": feishu_sign(secret, timestamp), **body}
    return url, body


def build_request(
    service: str, url: str, secret: str, message: Message, *, now: float | None = None
) -> tuple[str, dict[str, Any]]:
    """The URL to post to and the JSON body, for one service."""
    at = time.time() if now is None else now
    if service == WECOM:
        return wecom_request(url, message)
    if service == DINGTALK:
        return dingtalk_request(url, secret, message, at)
    if service == FEISHU:
        return feishu_request(url, secret, message, at)
    raise SendError(f"unknown service {service!r}")


def _answer_error(answer: Any) -> str | None:
    """The error a robot's JSON answer reports, or None. WeCom and DingTalk answer
    {"errcode": 0, "errmsg": "ok"}; Feishu {"code": 0, "msg": "success"} (older: "StatusCode")."""
    if not isinstance(answer, dict):
        return None
    for code_key, msg_key in (("errcode", "errmsg"), ("code", "msg"), ("StatusCode", "StatusMessage")):
        code = answer.get(code_key)
        if code not in (None, 0, "0"):
            return f"{code_key} {code}: {answer.get(msg_key, '')}"[:500]
    return None


def post_json(url: str, body: dict[str, Any], *, timeout: float) -> None:
    """POST `body` as JSON; raises SendError on anything but a 2xx whose JSON reports no error."""
    check_url(url)
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = response.status
            raw = response.read(MAX_ANSWER)
    except urllib.error.HTTPError as error:
        raise SendError(f"HTTP {error.code}") from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise SendError(f"{type(error).__name__}: {reason}"[:500]) from error
    if not 200 <= status < 300:
        raise SendError(f"HTTP {status}")
    try:
        answer = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (UnicodeDecodeError, ValueError):
        # The services always answer JSON; a 2xx with another body carries no error code to read.
        answer = None
    refused = _answer_error(answer)
    if refused:
        raise SendError(refused)


def send(service: str, url: str, secret: str, message: Message, *, timeout: float) -> None:
    """Post `message` to one robot; raises SendError when it is not accepted."""
    target, body = build_request(service, url, secret, message)
    post_json(target, body, timeout=timeout)
