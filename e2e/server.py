"""A live Clickar for the e2e kit: `python -m e2e.server --port-file FILE`.

Reads the CLICKAR_* environment like any deployment, applies the migrations
and `demo seed` through the real CLI commands, then serves on 127.0.0.1 with
werkzeug (threaded) and writes the chosen port to --port-file. Every request
and every server error goes to stderr, which the kit keeps as the server log.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    parser.add_argument("--port-file", type=Path, help="write the port here once listening")
    parser.add_argument("--no-seed", action="store_true", help="skip `demo seed`")
    args = parser.parse_args(argv)

    from werkzeug import serving
    from werkzeug.serving import make_server

    serving._log_add_style = False  # plain text in the log file, no terminal colours

    from clickar import create_app

    app = create_app()
    runner = app.test_cli_runner()
    for command in (["db", "upgrade"], [] if args.no_seed else ["demo", "seed"]):
        if not command:
            continue
        result = runner.invoke(args=command)
        print(result.output, end="", file=sys.stderr, flush=True)
        if result.exit_code != 0:
            raise SystemExit(f"`flask {' '.join(command)}` failed: {result.exception!r}")

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = make_server("127.0.0.1", args.port, app, threaded=True)
    port = server.server_port
    print(f"clickar e2e server ({app.config['ENV_NAME']}) on http://127.0.0.1:{port}",
          file=sys.stderr, flush=True)
    if args.port_file:
        tmp = args.port_file.with_suffix(".tmp")
        tmp.write_text(str(port))
        tmp.replace(args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
