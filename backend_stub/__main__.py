import sys

from backend_stub.cli import main

sys.exit(main())
