"""gunicorn's master for `geo-registry serve`, in a Python of its own (serving.exec_master): it imports gunicorn and
the plain options, not Flask or the app, so that it holds ~30 MiB instead of the app's ~120 MiB for as long as the
server runs. Each worker builds its app after the fork (serving.Server.load), as before."""

from __future__ import annotations

import importlib
import json
import sys


def factory(name: str):
    """A function that builds the app named "module:function" (gunicorn's way of naming an app), imported when it
    is called: in a worker, not in the master. The command above web/ names it (cli: "geo_registry:create_app")."""
    module, _, function = name.partition(":")

    def make_app():
        """The app, built in a worker process."""
        return getattr(importlib.import_module(module), function)()

    return make_app


def main(spec: str) -> None:
    """Run gunicorn with the spec (JSON: app, the factory's name; options; announcement, lines with {url} for the
    address)."""
    from geo_registry.web.serving import Server, with_code

    given = json.loads(spec)

    def announce(url: str) -> None:
        """Say where the server answers (the lines the command composed), once the port is bound."""
        for line in given["announcement"]:
            print(line.replace("{url}", url), flush=True)

    Server(factory(given["app"]), given["options"] | with_code(), on_ready=announce).run()


if __name__ == "__main__":
    main(sys.argv[1])
