"""Channel adapters: each translates one messaging platform to and from the core.

What a channel provides (updates in -> `Incoming`, `Reply` out, a `bot.delivery.Transport`
for the outbox) and how to add one: README.md in this folder.
"""
