"""Where NUT's configuration lives and the defaults nut-helper writes it with (one place for the
library, the installers and the command line)."""

DEFAULT_CONFIG = "/etc/nut/ups.conf"
DEFAULT_UPSD_PORT = 3493
"""The TCP port upsd listens on unless told otherwise (NUT's default, upsd.conf(5))."""
