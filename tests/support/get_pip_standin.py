"""Stands in for the pip bootstrap script ansible-test downloads for its --venv environments.

ansible-test creates each sanity-test virtual environment without pip and fetches a ``get-pip`` script
from a host of its own, which this machine (and CI) cannot reach; only the package registries are
reachable. tests/test_ansible_collection.py puts this file where ansible-test caches that script
(``~/.ansible/test/cache/get_pip_VERSION.py``, under a scratch HOME): it installs the interpreter's own
pip with ensurepip, then the pip release ansible-test asks for (``pip==VERSION``) from PyPI.
"""

import ensurepip
import subprocess
import sys

GET_PIP_ONLY = ("--no-setuptools", "--no-wheel")   # get-pip's own options, not pip's

ensurepip.bootstrap()
subprocess.check_call([sys.executable, "-m", "pip", "install", *(arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY)])
