"""`python -m sxcheck`: the same command line as `sxcheck`."""

from sxcheck.cli import main

if __name__ == "__main__":
    main(prog_name="sxcheck")
