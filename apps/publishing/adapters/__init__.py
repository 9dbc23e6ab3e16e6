"""Channel adapters: one module per channel kind; ``registry.get_adapter(kind)``."""
