#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian 12 machine, then run it.
# Extra arguments are passed to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
    nut-server nut-client nut-snmp nut-xml socat umockdev gir1.2-umockdev-1.0 python3-gi python3-venv \
    gcc libc6-dev systemd udev lintian man-db mmdebstrap >/dev/null
# Debian's own interpreter, so that the umockdev tests can use its GObject bindings.
[ -x .venv/bin/pytest ] || /usr/bin/python3 -m venv --system-site-packages .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q ".[test]"
exec .venv/bin/pytest "$@"
