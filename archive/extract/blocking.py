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


# What a page says, with status 200, when its document was taken down (a soft 404).
_REMOVAL_NOTICE = re.compile(r"已删除|已被删除|不存在|已过期|已撤[销下回]|已下线|找不到|无法找到|未找到|页面丢失|\b404\b")
# A real document says far more than its site's "this page is gone" box.
_NOTICE_MAX_CHARS = 300


def removal_notice(text: str, title: str | None = None) -> bool:
    """Whether a page served with 200 only says its document is gone (页面不存在, 已删除, 找不到 …)."""
    body = "".join(text.split())
    return len(body) <= _NOTICE_MAX_CHARS and bool(_REMOVAL_NOTICE.search(body + (title or "")))
