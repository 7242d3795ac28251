"""An example under every `--help`: what an operator types first, as `gh` and `git` show it."""

from __future__ import annotations

EXAMPLES: dict[str, tuple[str, ...]] = {
    "wjw": ("wjw demo", "wjw run hb-wjw --store wjw-data", "wjw runs show latest"),
    "wjw run": ("wjw run hb-wjw jinan-jnmhc --store wjw-data",
                "wjw run --sites hb-wjw,jinan-jnmhc --mode backfill --since 2019-01-01 --until 2020-12-31",
                "wjw run --reextract --since 2026-11-01 --until 2026-11-30   # re-read stored WARCs, fetch nothing",
                "wjw run --json | jq '.sites[] | select(.failed)'"),
    "wjw extract": ("wjw extract page.html --url http://wjw.hubei.gov.cn/a/t20190301_1.html --json",),
    "wjw export": ("wjw export --store wjw-data --out wjw-export --format parquet",
                   "wjw export --as-of 20261124T060000Z-1a2b --year 2021 --province 浙江省"),
    "wjw history": ("wjw history hb-wjw-3f2a9c01 --store wjw-data",
                    "wjw history hb-wjw-3f2a9c01 --from 1 --to -1 --json"),
    "wjw verify": ("wjw verify --store s3://my-bucket/wjw", "wjw verify --json"),
    "wjw sites": ("wjw sites list --level province", "wjw sites check hb-wjw", "wjw sites health"),
    "wjw sites list": ("wjw sites list --level province --cms trs", "wjw sites list --province 湖北 --json"),
    "wjw sites check": ("wjw sites check hb-wjw jinan-jnmhc", "wjw sites check --sites hb-wjw,jinan-jnmhc --json"),
    "wjw sites health": ("wjw sites health --store wjw-data", "wjw sites health --runs 20 --json"),
    "wjw runs": ("wjw runs list", "wjw runs show latest"),
    "wjw runs list": ("wjw runs list --store wjw-data --limit 5", "wjw runs list --json"),
    "wjw runs show": ("wjw runs show latest", "wjw runs show 20261124T060000Z-1a2b --log hb-wjw",
                      "wjw runs show latest --json"),
    "wjw simweb": ("wjw simweb serve --day 0", "wjw simweb check --day 1"),
    "wjw simweb serve": ("wjw simweb serve --day 2 --port 8477",),
    "wjw simweb check": ("wjw simweb check --day 1 --truth-out truth.jsonl",),
    "wjw simweb truth": ("wjw simweb truth --day 0 --out truth.jsonl",),
    "wjw search": ("wjw search 家庭医生 --store wjw-data", "wjw search 卫生应急 --province 湖北省 --year 2023 --json"),
    "wjw gaps": ("wjw gaps --store wjw-data --site hb-wjw", "wjw gaps --year 2023 --json"),
    "wjw serve": ("wjw serve --store wjw-data --port 8480",),
    "wjw state": ("wjw state rebuild hb-wjw --store wjw-data",),
    "wjw state rebuild": ("wjw state rebuild hb-wjw --store wjw-data", "wjw state rebuild   # every site"),
    "wjw demo": ("wjw demo", "wjw demo --day 2 --render --store /tmp/wjw-demo"),
}


def add_examples(command, path: str = "wjw") -> None:
    """Put each command's examples in its help epilog, down the whole command tree."""
    lines = EXAMPLES.get(path)
    if lines:
        # "\b" keeps Click from re-wrapping the example lines into one paragraph.
        command.epilog = "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)
    if hasattr(command, "commands"):  # a group
        for name, sub in command.commands.items():
            add_examples(sub, f"{path} {name}")


def commands(command, path: str = "wjw") -> list[str]:
    """Every command path in the tree (for the test that each has an example)."""
    found = [path]
    if hasattr(command, "commands"):  # a group
        for name, sub in command.commands.items():
            found += commands(sub, f"{path} {name}")
    return found
