import sys

from fastact.cli import main

sys.exit(main())
