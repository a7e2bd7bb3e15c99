"""``python -m javumbo_testbed``: the same as the ``javumbo-testbed`` command."""

from javumbo_testbed.cli import main

raise SystemExit(main())
