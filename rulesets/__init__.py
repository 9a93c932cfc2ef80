"""The four built-in rule sets, each a plugin registered through the `kaohe` entry-point group."""
