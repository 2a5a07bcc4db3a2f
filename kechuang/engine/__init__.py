"""The framework-free computation engine.

Imports only the standard library and pure dependencies, never Django or the apps
(``tests/test_layers.py`` enforces it).
"""

__all__: list[str] = []
