"""The Telegram channel (Bot API, python-telegram-bot). One module per job:

* `intake`: updates in, by long polling or our own webhook server (secret checked);
* `updates`: private chats: update -> `Incoming` -> the engine -> replies, flood guard;
* `group`: the officials' group: commands, notes, case buttons, membership;
* `render`: `Reply` out (HTML, split within Telegram's limits, inline keyboards);
* `transport`: the outbox's rows sent through the Bot API (`bot.delivery.Transport`);
* `files`: evidence documents cleaned of metadata before they are uploaded again;
* `http`: python-telegram-bot's network layer on aiohttp;
* `channel`: the handlers above installed on one Application, and the outbox workers;
* `app`: building and serving that Application until asked to stop.
"""
