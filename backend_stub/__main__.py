from backend_stub.cli import main
import sys

sys.exit(main())
