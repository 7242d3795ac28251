"""`python -m simweb [--day N] [--port P] [--seed S]`: serve the simulated web until Ctrl-C."""

import argparse

from simweb.server import serve


def main() -> None:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(prog="python -m simweb", description=__doc__)
    parser.add_argument("--day", type=int, default=0, help="simulation day to serve (0, 1, 2 ...)")
    parser.add_argument("--port", type=int, default=8477, help="port shared by all sites (0 picks a free one)")
    parser.add_argument("--seed", type=int, default=0, help="world seed")
    args = parser.parse_args()
    serve(day=args.day, port=args.port, seed=args.seed)


if __name__ == "__main__":
    main()
