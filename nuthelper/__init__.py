"""nut-helper: cable-aware Network UPS Tools configuration.

The library API lives in the submodules (``nuthelper.resolve``, ``nuthelper.render``,
``nuthelper.knowledge``); the ``nut-helper`` command is a thin layer over it.
"""

__version__ = "0.1.0"
