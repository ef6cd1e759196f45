"""cnncalc: exact, framework-free arithmetic of convolutional networks."""

__version__ = "0.1.0"
