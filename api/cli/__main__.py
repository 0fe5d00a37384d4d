"""`python -m api.cli ...`: the `polydub` command without the installed script."""

import sys

from api.cli import main

sys.exit(main())
