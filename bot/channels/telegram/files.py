"""Evidence files sent as documents, cleaned before the officials' group sees them.

A photo sent as a photo reaches the bot already re-compressed by Telegram and is passed on
by its file id. A file sent as a document is passed on byte for byte by file id, EXIF (GPS
position of where the picture was taken) and original file name ("KTP_Siti.jpg")
included. So documents are downloaded, JPEG/PNG metadata removed (bot.metadata), and
uploaded again under a neutral name. When that is impossible (over Telegram's 20 MB
download limit, a network error) the file goes by file id as before: evidence is never
dropped for it.
"""

from __future__ import annotations

import logging
import re
from pathlib import PurePosixPath

from telegram import Bot, InputFile
from telegram.error import TelegramError

from bot.metadata import UnknownFormat, image_extension, strip_metadata

log = logging.getLogger(__name__)


async def cleaned_document(bot: Bot, file_id: str, name: str = "bukti") -> InputFile | str:
    """An upload without metadata and with a neutral name, or the file id if not possible."""
    try:
        stored = await bot.get_file(file_id)
        data = bytes(await stored.download_as_bytearray())
    except TelegramError as error:
        log.warning("evidence document sent unchanged: %s", type(error).__name__)
        return file_id
    # Telegram's storage path keeps the original extension (documents/file_7.pdf): the type
    # is worth keeping, the name is not.
    suffix = PurePosixPath(stored.file_path or "").suffix.lower()
    extension = suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ""
    if image_extension(data) is not None:
        try:
            data = strip_metadata(data)
            extension = image_extension(data) or extension
        except UnknownFormat:
            pass  # damaged or unusual: renamed, content as it came
    return InputFile(data, filename=name + extension)
