"""Scripts around the benchmark harness (not part of the platform's CLI):

    python -m kechuang.engine.assess bench --harness DIR (--entities N | --input FILE)
    python -m kechuang.engine.assess check --harness DIR
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> None:
    command, rest = (argv[0], argv[1:]) if argv else ("", [])
    if command == "bench":
        from kechuang.engine.assess.bench import main as run
    elif command == "check":
        from kechuang.engine.assess.harness_check import main as run
    else:
        sys.exit(__doc__)
    run(rest)


if __name__ == "__main__":
    main(sys.argv[1:])
