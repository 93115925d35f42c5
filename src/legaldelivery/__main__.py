"""``python -m legaldelivery``: the command line."""

from legaldelivery.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
