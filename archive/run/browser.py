"""Find the browser that renders the sites marked `render: true` (spiders/render.py drives it).

Chromium is optional: only `--render` needs it. It comes from the operating
system, never from Playwright's own browser download (a second browser,
fetched from a CDN at install time, which closed networks refuse).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
INSTALL_HINT = ("install it with `apt-get install chromium` (Debian, Ubuntu), "
                "or set WJW_CHROMIUM to the path of a Chromium or Chrome binary")


class RenderUnavailable(RuntimeError):
    """Rendering was asked for but no browser can run here; the message says how to install one."""


def find_chromium() -> str:
    """The Chromium (or Chrome) binary to drive: WJW_CHROMIUM, else the first on PATH."""
    configured = os.environ.get("WJW_CHROMIUM")
    if configured:
        path = Path(configured)
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
        raise RenderUnavailable(f"WJW_CHROMIUM={configured} is not an executable file; {INSTALL_HINT}")
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise RenderUnavailable(f"browser rendering needs Chromium, which is not installed: {INSTALL_HINT}")
