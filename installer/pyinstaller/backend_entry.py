"""Entry script of the bundled ``dispatch-backend`` (the same as the pip-installed command)."""

import sys

from backend_stub.cli import main

if __name__ == "__main__":
    sys.exit(main())
