"""`python -m geo_registry …` runs the geo-registry command line (the worker processes are started this way)."""
from .cli import main

main()
