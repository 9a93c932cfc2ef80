"""`python -m kaohe` runs the command."""

from kaohe.cli import main

main()
