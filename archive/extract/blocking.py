"""Recognise anti-bot challenge and CAPTCHA pages, so they are counted and never archived."""

from __future__ import annotations

import re

# 瑞数 (Riversecurity) answers 412 or 202 with a page that only runs JavaScript
# to set a cookie; 加速乐 (jiasule) answers 521 the same way.
_WAF_STATUSES = {412: "412_js_challenge", 521: "521_jiasule", 202: "202_js_challenge"}
_CHALLENGE_MARKERS = (
    re.compile(rb"document\.cookie\s*=", re.I),
    re.compile(rb"\$_ts\s*=|\$_ts\.", re.I),  # 瑞数's runtime object
    re.compile(rb"__jsl_clearance|jsl_clearance_s", re.I),  # 加速乐's cookie
    re.compile(rb"acw_sc__v2|arg1\s*=", re.I),  # Alibaba Cloud WAF slider/cookie
)
_CAPTCHA_MARKERS = tuple(m.encode("utf-8") for m in ("验证码", "滑动验证", "安全验证", "人机验证", "访问验证", "请完成验证"))
_TEXT = re.compile(rb">([^<]{2,})<")


def blocked_reason(status: int, body: bytes) -> str | None:
    """Why a response is an anti-bot page rather than content (a short name), or None."""
    if status in (412, 521):
        return _WAF_STATUSES[status]
    head = body[:20000]
    challenge = any(m.search(head) for m in _CHALLENGE_MARKERS)
    if status == 202 and (challenge or len(body) < 4096):
        return _WAF_STATUSES[202]
    # A real article is long; a challenge page is a script and almost no text.
    visible = sum(len(t.strip()) for t in _TEXT.findall(re.sub(rb"<script.*?</script>", b"", head, flags=re.S)))
    if challenge and visible < 200:
        return "js_cookie_challenge"
    if len(body) < 20000 and any(m in head for m in _CAPTCHA_MARKERS) and visible < 600:
        return "captcha"
    return None
