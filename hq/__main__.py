"""`python -m hq` runs the vitrine-hq command line."""

import sys

from hq.cli import main

sys.exit(main())
