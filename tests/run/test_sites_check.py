"""`wjw sites check` against simweb (reachable and WAF-blocked sites), a broken local server, and no network."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml
from typer.testing import CliRunner

from archive.families import CMS_FAMILIES
from archive.registry import DEFAULT_REGISTRY, load_sites, sites_from_rows
from archive.run.sitecheck import NoNetwork, check_sites, site_line, summary_line
from cli.main import app
from simweb import SimWeb, build_world

CHALLENGE = b"<html><head><meta content='x'><script>$_ts=window['$_ts'];document.cookie='a=b';</script></head></html>"


@pytest.fixture(scope="module")
def simweb_checks():
    # Day 1: the day simweb puts the national commission behind its 412 challenge.
    with SimWeb(build_world(), day=1) as web:
        sites = sites_from_rows([row | {"download_delay": 0} for row in web.registry_rows()])
        truth = web.truth()
        checks = {c.site_id: c for c in check_sites(sites, timeout=5)}
    return checks, truth, {s.id: s for s in sites}


def test_reachable_sites_give_items_and_their_newest_date(simweb_checks):
    checks, truth, sites = simweb_checks
    for family in CMS_FAMILIES:
        site_id = next(s.id for s in sites.values() if s.cms == family and checks[s.id].verdict == "ok")
        check = checks[site_id]
        assert check.reachable and check.items > 0 and not check.blocked, site_id
        published = [t["published"] for t in truth if t["site_id"] == site_id and t.get("published")]
        assert check.newest and check.newest <= max(published), site_id
    assert sum(c.verdict == "ok" for c in checks.values()) >= len(checks) - 3


def test_a_waf_challenge_is_reported_as_blocked(simweb_checks):
    checks, _, sites = simweb_checks
    blocked = [c for c in checks.values() if c.blocked]
    assert blocked, "simweb serves at least one site behind a 412 challenge"
    assert {c.blocked for c in blocked} <= {"412_js_challenge", "521_jiasule", "202_js_challenge", "js_cookie_challenge", "captcha"}
    assert all(c.verdict == "blocked" and c.items == 0 for c in blocked)
    assert "blocked" in summary_line(list(checks.values()))


class _Faulty(BaseHTTPRequestHandler):
    """/robots.txt is fine; /waf/ answers 加速乐's 521, /down/ a 500, /moved/ redirects to /down/."""

    def do_GET(self):
        if self.path.startswith("/stuck/"):  # page 1 lists documents; the page its 下一页 names lists none
            items = "" if "page=2" in self.path else "".join(
                f'<li><a href="/stuck/t2024030{n}_{n}.html">2024年工作要点{n}</a><span>2024-03-0{n}</span></li>'
                for n in range(1, 4))
            self._send(200, f'<html><body><ul>{items}</ul><a href="/stuck/?page=2">下一页</a></body></html>'.encode())
        elif self.path.startswith("/shell/"):  # an empty shell whose script loads the list from an unnamed URL
            self._send(200, b'<html><body><div id="list"></div><script>$.ajax({url: base + "?p=" + n, '
                            b'dataType: "jsonp", success: draw});</script></body></html>')
        elif self.path == "/robots.txt":
            self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        elif self.path.startswith("/waf/"):
            self._send(521, b"<script>document.cookie='__jsl_clearance_s=1';location.reload()</script>")
        elif self.path.startswith("/moved/"):
            self.send_response(302)
            self.send_header("Location", "/down/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(500, b"<html><body>Internal Server Error</body></html>")

    def _send(self, status, body, kind="text/html"):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def faulty_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Faulty)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _row(site_id, base, paths):
    return {"id": site_id, "name": "测试市卫生健康委员会", "level": "city", "region_code": "420100",
            "base_url": base + "/", "cms": "trs", "download_delay": 0,
            "columns": [{"name": p, "url": f"{base}/{p}/"} for p in paths]}


def test_broken_blocked_and_refusing_sites(faulty_server):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    sites = sites_from_rows([
        _row("waf-site", faulty_server, ["waf"]),
        _row("broken-site", faulty_server, ["down", "moved"]),
        _row("private-site", faulty_server, ["private"]),
        _row("refusing-site", closed, ["tzgg"]),
    ])
    checks = {c.site_id: c for c in check_sites(sites, timeout=3)}
    assert checks["waf-site"].verdict == "blocked" and checks["waf-site"].blocked == "521_jiasule"
    broken = checks["broken-site"]
    assert broken.verdict == "broken" and broken.reachable and broken.items == 0
    assert [c.problem for c in broken.columns] == ["http_500", "http_500"]
    assert broken.redirected and broken.columns[1].final_url.endswith("/down/")
    assert checks["private-site"].verdict == "disallowed"
    refusing = checks["refusing-site"]
    assert refusing.verdict == "unreachable" and not refusing.reachable
    assert refusing.columns[0].problem == "connection_refused"
    line = summary_line(list(checks.values()))
    assert line.startswith("4 sites: 0 ok") and "521_jiasule" in line and "1 redirected" in line


def test_a_pager_that_yields_nothing_past_page_1_is_not_ok(faulty_server):
    sites = sites_from_rows([_row("stuck-site", faulty_server, ["stuck"]) | {"cms": "generic"},
                             _row("shell-site", faulty_server, ["stuck", "shell"]) | {"cms": "generic"}])
    checks = {c.site_id: c for c in check_sites(sites, timeout=3)}
    stuck = checks["stuck-site"]
    (column,) = stuck.columns
    assert column.items == 3 and column.next_items == 0 and column.next_url.endswith("/stuck/?page=2")
    assert stuck.verdict == "partial" and "page 2" in column.hint and "try cms 'generic'" in column.hint
    shell = checks["shell-site"].columns[1]
    assert shell.items == 0 and "list_data" in shell.hint
    assert "partly listing" in summary_line(list(checks.values()))
    assert "shell: no list on the page, and its script fetches data" in site_line(checks["shell-site"])


def test_the_cli_exits_1_for_a_site_that_lists_page_1_only(faulty_server, tmp_path):
    registry = tmp_path / "sites.yaml"
    registry.write_text(yaml.safe_dump([_row("stuck-site", faulty_server, ["stuck"]) | {"cms": "generic"}],
                                       allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(app, ["sites", "check", "--registry", str(registry), "--timeout", "3", "--json"])
    assert result.exit_code == 1, result.output
    (site,) = json.loads(result.stdout)
    assert site["verdict"] == "partial" and site["columns"][0]["next_items"] == 0
    assert "page 2" in site["columns"][0]["hint"]


def test_mechanics_sites_are_walked_one_step_past_page_1(simweb_checks):
    checks, _, _ = simweb_checks
    for site_id in ("sim-xy-wjw", "sim-zhz-wjw", "sim-my-wjw", "sim-ly-wjw"):  # form POST, script, frame, GBK
        check = checks[site_id]
        assert check.verdict == "ok", site_line(check)
        assert all(c.items and c.next_items for c in check.columns), site_line(check)
        assert not check.redirected


def _no_dns(host):
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def test_offline_the_real_registry_ends_quickly_with_one_line():
    sites = load_sites(DEFAULT_REGISTRY)
    started = time.monotonic()
    with pytest.raises(NoNetwork) as raised:
        check_sites(sites, timeout=5, resolver=_no_dns)
    assert time.monotonic() - started < 5
    message = str(raised.value)
    assert message.startswith("no network: could not resolve any site host") and "\n" not in message


def test_cli_offline_prints_one_line(monkeypatch):
    monkeypatch.setattr("archive.run.sitecheck._resolve", _no_dns)
    result = CliRunner().invoke(app, ["sites", "check"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "no network" in lines[0], result.output
