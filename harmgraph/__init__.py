"""harmgraph: find serial and potentially dangerous VAWG perpetrators in police records."""

__version__ = "0.1.0"
