"""`python -m promogen` is the CLI."""

from .cli import main

main()
