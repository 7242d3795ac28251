"""Regenerate the stored DOC/WPS attachments: `uv run python simweb/data/make_attachments.py` (needs LibreOffice's soffice).

Each file's text is a plan composed with a fixed seed, written to <name>.txt; soffice converts it to Word 97
(<name>.doc; the WPS ones are the same format under another extension, as WPS Office writes them).
"""

from __future__ import annotations

import random
import subprocess
import tempfile
from pathlib import Path

from simweb import bodies
from simweb.attachments import ATTACHED_FILES, DATA
from simweb.bodies import Filler, field_name
from simweb.sites import SITES


def main() -> None:
    """Write every stored attachment's text and Word 97 file."""
    sites = {site.id: site for site in SITES}
    for (site_id, year), (_, name) in sorted(ATTACHED_FILES.items()):
        site = sites[site_id]
        rng = random.Random(f"simweb-stored:{name}")
        title = f"{year}年{site.scope}{field_name(year)}工作要点"
        paragraphs = bodies.annual_plan(rng, Filler(rng, site, year, site.name), year)
        text = "\n".join([title, *(p.text for p in paragraphs)]) + "\n"
        (DATA / f"{name}.txt").write_text(text, "utf-8")
        with tempfile.TemporaryDirectory() as tmp:
            html = Path(tmp) / f"{name}.html"
            html.write_text("<html><head><meta charset='utf-8'></head><body>"
                            + "".join(f"<p>{line}</p>" for line in text.splitlines()) + "</body></html>", "utf-8")
            subprocess.run(["soffice", "--headless", "--convert-to", "doc:MS Word 97", "--outdir", tmp, str(html)],
                           check=True, capture_output=True)
            (DATA / f"{name}.doc").write_bytes((Path(tmp) / f"{name}.doc").read_bytes())
        print(name, len(text))


if __name__ == "__main__":
    main()
