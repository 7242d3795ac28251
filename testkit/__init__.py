"""Test-only code shared by `tests/` and `bench/`: an S3 server on loopback and the text-quality metric. Not shipped."""
