"""`python -m geo_registry …` runs the geo-registry command line (the worker processes are started this way)."""

from geo_registry.cli import main

main()
