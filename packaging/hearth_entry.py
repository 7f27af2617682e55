"""What a packaged build runs: the same ``main`` as the ``hearth`` console script."""

import sys

from desktop.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
