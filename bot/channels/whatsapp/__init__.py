"""The WhatsApp channel (Cloud API, pywa). One module per job:

* `webhook`: the HTTP server Meta posts to;
* `updates`: webhook posts in (signature check, JSON -> inbox entries -> `Incoming`);
* `render`: `Reply` out (WhatsApp formatting, buttons and lists within its limits);
* `transport`: the core outbox's rows for WhatsApp reporters (`bot.delivery.Transport`);
* `store`: the durable inbox and outgoing queue (SQLite);
* `delivery`: sending the queue through the Cloud API, paced and retried, and the
  template when the 24-hour window has closed;
* `media`: evidence fetched by media id and kept encrypted until the officials have it;
* `preferences`: case updates kept in the queue while a reporter has them off;
* `broadcast`: awareness broadcasts, in the window or as the marketing template;
* `http`: pywa's network layer on aiohttp, pointed at WHATSAPP_API_URL;
* `app`: wires these to the engine and runs them.
"""
