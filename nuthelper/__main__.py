"""Allow ``python -m nuthelper``."""

import sys

from nuthelper.cli import main

sys.exit(main())
