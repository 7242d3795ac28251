"""Start-up stays light: the CLI imports the heavy libraries only in the commands that use them.

Checked in a fresh interpreter, since this test process has imported everything already. A
property, not a timing: boto3, scipy (via datasketch), Scrapy and trafilatura each cost from
0.3 s to 2 s of start-up, which every `wjw` call and every Airflow task would pay.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("scipy", "boto3", "botocore", "scrapy", "twisted", "datasketch", "trafilatura", "airflow", "numpy",
         "wacz", "frictionless", "cdxj_indexer", "gevent")
CMS_PAGE = ROOT / "tests/fixtures/realpages/GeneralNewsExtractor/tests/shanxi/1.html"


def heavy_modules_after(code: str) -> list[str]:
    probe = code + f"\nimport json, sys\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_cli_imports_no_heavy_library():
    assert heavy_modules_after("import cli.main") == []


def test_extracting_a_cms_page_needs_neither_trafilatura_nor_the_store_libraries():
    loaded = heavy_modules_after(
        "from typer.testing import CliRunner\nimport cli.main\n"
        f"result = CliRunner().invoke(cli.main.app, ['extract', {str(CMS_PAGE)!r}, '--url', "
        "'http://wjw.shanxi.gov.cn/a.html'])\nassert result.exit_code == 0 and '山西' in result.output, result.output")
    assert loaded == []


def test_the_probe_sees_a_heavy_import():
    assert heavy_modules_after("import archive.store.s3") == ["boto3", "botocore"]
