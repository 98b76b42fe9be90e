"""The WhatsApp channel (Cloud API). One module per job:

* `updates`: webhook posts in (signature check, JSON -> inbox entries -> `Incoming`);
* `render`: `Reply` out (WhatsApp formatting, buttons and lists within its limits);
* `store`: the durable inbox and outgoing queue (SQLite);
* `delivery`: sending the queue through the Cloud API, paced and retried;
* `webhook`: the HTTP server Meta posts to;
* `service`: wires these to the engine and runs them.
"""
