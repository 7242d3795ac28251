# Two commands on a fresh machine: `make demo` runs the whole job offline,
# `make test` runs every test. uv is installed with pip when it is missing.
export UV_PYTHON_DOWNLOADS := never
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)

.PHONY: demo test setup uv

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

setup: uv
	$(UV) sync --frozen

demo: setup
	$(UV) run wjw demo

test: setup
	$(UV) run pytest
