"""Entry point for `python -m rvc`."""

import sys

from rvc.cli import main

sys.exit(main())
