"""Awareness broadcasts: people subscribe, officials send short warnings and one-question
polls by region and language, and the answers come back as counts.

- subscribers.py  who subscribed (keyed hashes, the address encrypted), their place and language
- citizen.py      /langganan, the place question, unsubscribing, poll answers (the engine's side)
- compose.py      `/siaran` as officials type it: the text, wilayah, bahasa, jadwal, pilihan
- targets.py      which subscribers a campaign's regions reach, counted for the preview
- campaigns.py    campaigns, their queue of recipients and the poll's answers (SQLite)
- desk.py         the officials' side: preview, four eyes, the list, results, cancelling
- message.py      a broadcast as a subscriber sees it
- sender.py       the queue's worker: paced per platform, last in line, nothing lost
"""
