"""pimm: run a French plateau mutualisé d'imagerie médicale (article L6122-15 CSP)."""

__version__ = "0.1.0"
