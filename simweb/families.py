"""The CMS families, by the name the registry rows use, and the module that renders each site.

The names come from the families the spiders know (archive/families.json, written from spiders/platforms/):
each has a simweb module of the same name, so a family added there and not here fails at import.
"""

from importlib import import_module
from types import ModuleType

from archive.families import CMS_FAMILIES
from simweb import mechanics
from simweb.model import Site

FAMILIES: dict[str, ModuleType] = {name: import_module(f"simweb.{name}") for name in CMS_FAMILIES}


def family_of(site: Site) -> ModuleType:
    """The module that renders a site: its CMS family's, or for a site of list mechanics (simweb.mechanics) that one."""
    return mechanics if site.shape in mechanics.SHAPES else FAMILIES[site.cms]
