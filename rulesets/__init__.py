"""The four built-in rule sets, registered by module path through the same plugin contract as any
department's plugin (`kaohe.plugins.manager.DEFAULT_PLUGINS`)."""
