"""The CMS families, by the name the registry rows use."""

from simweb import generic, gkmlpt, hanweb, jpaas, trs, vsb

FAMILIES = {"trs": trs, "hanweb": hanweb, "jpaas": jpaas, "gkmlpt": gkmlpt, "vsb": vsb, "generic": generic}
