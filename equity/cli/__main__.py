"""``python -m equity.cli``."""

import sys

from equity.cli import main

sys.exit(main())
