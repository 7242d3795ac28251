"""Orchestration: crawl a site in a child process, ingest its WARC, publish a run (the CLI and DAGs call these)."""
