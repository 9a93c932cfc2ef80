"""Kaohe (考核): a plugin-based rules and scoring engine for government information work."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kaohe")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"
