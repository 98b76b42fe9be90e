"""One picture read in a process of its own: `python -m bot.ocr_child LIMIT` reads the
picture's bytes on stdin and writes {"text": ...} or {"error": reason} as JSON on stdout.

bot.ocr.ImageReader starts one per reading. It first limits its own address space to
LIMIT bytes (RLIMIT_AS), which the Tesseract it starts inherits, so a picture made to
exhaust memory ends this process (the bot says the picture is too large), never the bot.
"""

from __future__ import annotations

import json
import resource
import sys

from bot.ocr import MAX_BYTES, MEMORY_LIMIT, OcrError, read_image


def main() -> int:
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else MEMORY_LIMIT
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    data = sys.stdin.buffer.read(MAX_BYTES + 1)
    answer: dict[str, str]
    try:
        answer = {"text": read_image(data)}
    except OcrError as error:
        answer = {"error": error.reason}
    except MemoryError:
        answer = {"error": "too_large"}
    json.dump(answer, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
