"""``python -m edgesr_runtime check|build-engine|bench|sweep ...`` (the ``edgesr-device`` command)."""

import sys

from .cli import main

sys.exit(main())
