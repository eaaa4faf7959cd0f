"""`python -m alignment` runs the command-line interface."""

import sys

from alignment.cli import main

sys.exit(main())
