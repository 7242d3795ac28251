"""Tell the operator when a run needs them: failed sites and health flags, through an Airflow notifier.

The notifier is configured by one connection, `wjw_alerts`, whose type picks
the channel:

- `smtp` (or `email`): Airflow's SMTP provider `SmtpNotifier`, the address list in the extra's `to`;
- `slackwebhook`: a Slack incoming webhook (host `https://hooks.slack.com/services`, the token as password);
- `http` / `https`: any webhook, the URL in the extra's `webhook_url` or built from host, port and schema,
  receiving `{"text": …, "run_id": …, "failed_sites": …, "health_flags": …}` as JSON.

No connection: nothing is sent, and the task log says so; the check task fails the run all the same.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any

from airflow.sdk import BaseNotifier

ALERTS_CONNECTION = "wjw_alerts"
WEBHOOK_TIMEOUT_S = 30

log = logging.getLogger(__name__)


def alert_text(summary: dict[str, Any]) -> str:
    """The message: the run, each failed site with why, each flagged site with its flags, where to look."""
    failed = summary.get("failed_sites") or {}
    flags = summary.get("health_flags") or {}
    lines = [f"wjw run {summary.get('run_id')}: {len(failed)} site(s) failed, {len(flags)} flagged; "
             f"{summary.get('new', 0)} new, {summary.get('changed', 0)} changed documents"]
    lines += [f"FAILED {site}: {why}" for site, why in sorted(failed.items())]
    lines += [f"health {site}: {'; '.join(why)}" for site, why in sorted(flags.items())]
    lines.append(f"details: wjw runs show {summary.get('run_id')}  (report: {summary.get('report_key')})")
    return "\n".join(lines)


class OperatorAlert(BaseNotifier):
    """Send a run's failures and health flags on the channel the `wjw_alerts` connection names."""

    template_fields = ("summary",)

    def __init__(self, summary: dict[str, Any], conn_id: str = ALERTS_CONNECTION) -> None:
        super().__init__()
        self.summary = summary
        self.conn_id = conn_id

    def notify(self, context) -> None:
        """Send the alert, or log why not (no connection)."""
        from airflow.sdk import Connection
        from airflow.sdk.exceptions import AirflowNotFoundException

        try:
            conn = Connection.get(self.conn_id)
        except AirflowNotFoundException:
            log.warning("no connection %s: the operator is not notified (add one of type smtp, slackwebhook "
                        "or http to be)", self.conn_id)
            return
        text = alert_text(self.summary)
        kind = (conn.conn_type or "").lower()
        if kind in ("smtp", "email"):
            self._email(conn, text, context)
        else:
            self._webhook(_webhook_url(conn), text)

    def _email(self, conn, text: str, context) -> None:
        from html import escape

        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        to = (conn.extra_dejson or {}).get("to")
        if not to:
            raise ValueError(f"connection {self.conn_id}: an smtp alert needs the addresses in its extra's 'to'")
        SmtpNotifier(to=to, smtp_conn_id=self.conn_id, subject=text.splitlines()[0],
                     html_content=f"<pre>{escape(text)}</pre>").notify(context)

    def _webhook(self, url: str, text: str) -> None:
        body = json.dumps({"text": text, "run_id": self.summary.get("run_id"),
                           "failed_sites": self.summary.get("failed_sites") or {},
                           "health_flags": self.summary.get("health_flags") or {}}, ensure_ascii=False)
        request = urllib.request.Request(url, data=body.encode("utf-8"), method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as response:
            log.info("alert sent to %s: HTTP %s", url.split("?")[0], response.status)


def _webhook_url(conn) -> str:
    extra = conn.extra_dejson or {}
    if extra.get("webhook_url"):
        return extra["webhook_url"]
    host = conn.host or ""
    if "://" not in host:
        scheme = conn.schema or ("https" if conn.conn_type == "https" else "http")
        host = f"{scheme}://{host}" + (f":{conn.port}" if conn.port else "")
    if (conn.conn_type or "").startswith("slack") and conn.password:
        return host.rstrip("/") + "/" + conn.password.lstrip("/")
    return host
