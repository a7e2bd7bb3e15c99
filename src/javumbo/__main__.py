"""``python -m javumbo``: the same as the ``javumbo`` console script."""

import sys

from javumbo.cli import main

sys.exit(main())
