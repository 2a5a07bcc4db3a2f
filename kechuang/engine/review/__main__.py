"""``python -m kechuang.engine.review bench [PAGES]`` or ``… quality FILE.yaml…``."""

from __future__ import annotations

import sys

from . import bench, quality

COMMANDS = {"bench": bench.main, "quality": quality.main}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    raise SystemExit(main())
