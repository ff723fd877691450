"""`python -m ui …`: the `rag` command without its console script (the CLI is the ui layer's, not rag's)."""

from ui.cli import main

raise SystemExit(main())
