"""Test support: real NUT programs (nut.py), socat pty pairs and UPS simulators (ptys.py), the
LD_PRELOAD modem-line shim (shim.py), and process helpers shared by them (processes.py)."""
