"""Evidence files sent as documents, cleaned before the officials' group sees them.

A photo sent as a photo reaches the bot already re-compressed by Telegram and is passed on
by its file id. A file sent as a document is passed on byte for byte by file id, EXIF (GPS
position of where the picture was taken) and original file name ("KTP_Siti.jpg")
included. So documents are downloaded when they are delivered (never when they arrive:
a document nobody keeps is never fetched), cleaned (bot.metadata: pictures, TIFF, PDF)
in a thread, and uploaded again under a neutral name. A file the bot cannot download (over
the Bot API's 20 MB, a network error) or clean goes as it is, with a warning beside it:
evidence is never dropped for it, and officials are never misled about it.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from pathlib import PurePosixPath

from telegram import Bot, InputFile
from telegram.error import TelegramError

from bot.metadata import clean, uncleaned_note

log = logging.getLogger(__name__)

MAX_DOWNLOAD = 20 * 1024 * 1024  # the Bot API serves no larger file to a bot


async def cleaned_document(
    bot: Bot, file_id: str, name: str = "bukti"
) -> tuple[InputFile | str, str | None]:
    """An upload without metadata and with a neutral name, or the file id if that is not
    possible; and the officials' warning when the file goes uncleaned."""
    try:
        stored = await bot.get_file(file_id)
        if stored.file_size is not None and stored.file_size > MAX_DOWNLOAD:
            return file_id, uncleaned_note("lebih dari 20 MB")
        buffer = io.BytesIO()
        await stored.download_to_memory(buffer)
    except TelegramError as error:
        log.warning("evidence document sent unchanged: %s", type(error).__name__)
        return file_id, uncleaned_note("tidak bisa diunduh untuk diperiksa")
    data = buffer.getvalue()
    if len(data) > MAX_DOWNLOAD:
        return file_id, uncleaned_note("lebih dari 20 MB")
    cleaned = await asyncio.to_thread(clean, data)
    # Telegram's storage path keeps the original extension (documents/file_7.pdf): the type
    # is worth keeping, the name is not.
    suffix = PurePosixPath(stored.file_path or "").suffix.lower()
    extension = cleaned.extension or (suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else "")
    note = None if cleaned.cleaned else uncleaned_note(cleaned.kind)
    return InputFile(cleaned.data, filename=name + extension), note
