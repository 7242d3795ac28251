"""The CMS families, by the name the registry rows use, and the module that renders each site."""

from types import ModuleType

from simweb import generic, gkmlpt, hanweb, jpaas, mechanics, trs, vsb
from simweb.model import Site

FAMILIES = {"trs": trs, "hanweb": hanweb, "jpaas": jpaas, "gkmlpt": gkmlpt, "vsb": vsb, "generic": generic}


def family_of(site: Site) -> ModuleType:
    """The module that renders a site: its CMS family's, or for a site of list mechanics (simweb.mechanics) that one."""
    return mechanics if site.shape in mechanics.SHAPES else FAMILIES[site.cms]
