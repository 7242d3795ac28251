"""The library's boundary: `archive/` imports neither Scrapy, Airflow, Twisted, the spiders, simweb nor the CLI."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("scrapy", "scrapy_playwright", "airflow", "twisted", "spiders", "simweb", "cli", "testkit", "playwright")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_library_imports_no_crawler_scheduler_simulation_or_cli():
    crossings = sorted(f"{path.relative_to(ROOT)} imports {name}"
                       for path in (ROOT / "archive").rglob("*.py") for name in imported_modules(path)
                       if name.split(".")[0] in FORBIDDEN)
    assert not crossings, crossings


def test_the_runtime_code_imports_no_test_only_helpers():
    crossings = sorted(f"{path.relative_to(ROOT)} imports {name}"
                       for top in ("archive", "cli", "spiders", "simweb", "dags")
                       for path in (ROOT / top).rglob("*.py") for name in imported_modules(path)
                       if name.split(".")[0] in ("testkit", "tests"))
    assert not crossings, crossings


def test_the_check_sees_a_crossing(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def f():\n    from scrapy.http import Response\n    import simweb.world\n", encoding="utf-8")
    assert {"scrapy.http", "simweb.world"} <= imported_modules(sneaky)
