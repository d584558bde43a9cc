"""`python -m training CSV... --out DIR`: the training recipe from the shell."""

from training.trainer import main

raise SystemExit(main())
