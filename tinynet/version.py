"""tinynet's version (its own module so that io.py can record it without importing the package)."""
__version__ = "0.1.0"
