"""``python -m dns_tools``: see dns_tools.cli."""
import sys

from .cli import main

sys.exit(main())
