# Migran Aman Telegram bot. Build and run (see docs/telegram.md):
#   docker build -t migran-aman .
#   docker run -d --name migran-aman --restart unless-stopped --memory 1g --memory-swap 1g \
#       --env-file .env -v migran-aman-data:/app/data migran-aman
# --memory: a backstop for the bot, its picture readers and their Tesseract together (each
# reading is limited to 512 MB by bot/ocr.py itself).
FROM python:3.11-slim

# MPLCONFIGDIR: matplotlib (the /statistik chart) keeps its font list where the bot may write.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib

# Tesseract with Indonesian reads screenshots of job adverts for /cek (bot/ocr.py); without
# it the bot asks for the text instead.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-ind \
    && rm -rf /var/lib/apt/lists/*

# A dedicated user without a login shell; the code stays owned by root and read-only to it.
RUN useradd --system --user-group --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin migran-aman

WORKDIR /app

# Dependencies first, so a knowledge-base edit does not reinstall them: the exact versions
# and hashes of requirements.lock, then the project itself without resolving anything.
COPY pyproject.toml README.md requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY bot/ bot/
RUN pip install --no-deps --no-build-isolation . && rm -rf build *.egg-info

COPY . .

# The database lives in the volume; the folder is created here so that a new named volume
# starts out owned by the bot's user. Changes to /app/data after VOLUME would be discarded.
RUN mkdir -p /app/data && chown migran-aman:migran-aman /app/data && chmod 700 /app/data
ENV DATABASE_PATH=/app/data/migran-aman.sqlite3
VOLUME /app/data

# Only used in webhook mode (TELEGRAM_WEBHOOK_URL set; then TELEGRAM_WEBHOOK_LISTEN=0.0.0.0).
EXPOSE 8443

USER migran-aman
# docker stop sends SIGTERM: the bot stops polling, finishes the messages in hand, closes the DB.
STOPSIGNAL SIGTERM
CMD ["python", "main.py"]
