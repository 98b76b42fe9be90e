"""The bot's own wording (not knowledge-base content), in Indonesian and English."""

from __future__ import annotations

from typing import Final

# The contact offered whenever the bot cannot help: the ministry's 24-hour line.
HUMAN_HELP_CONTACT: Final = "kp2mi_call_centre"

_TEXTS: Final[dict[str, dict[str, str]]] = {
    "welcome": {
        "id": (
            "Halo! Saya Migran Aman, asisten untuk bekerja ke luar negeri dengan aman "
            "dan mengenali perdagangan orang (TPPO).\n\n"
            "Tulis pertanyaan Anda dengan kata-kata sendiri, atau pilih topik di bawah. "
            "Ada tawaran kerja yang meragukan? Ketik /cek. Ingin melapor? Ketik /lapor."
        ),
        "en": (
            "Hello! I am Migran Aman, a helper for working abroad safely and recognising "
            "human trafficking.\n\n"
            "Ask your question in your own words, or pick a topic below. "
            "Unsure about a job offer? Type /cek. Want to report? Type /lapor."
        ),
    },
    "menu": {"id": "Pilih topik:", "en": "Choose a topic:"},
    "menu_group": {"id": "Pilih pertanyaan:", "en": "Choose a question:"},
    "main_menu": {"id": "☰ Menu utama", "en": "☰ Main menu"},
    "check_offer_button": {"id": "🔎 Cek tawaran kerja", "en": "🔎 Check a job offer"},
    "report_button": {"id": "📣 Lapor", "en": "📣 Report"},
    "language_button": {"id": "🌐 Bahasa / Language", "en": "🌐 Bahasa / Language"},
    "helpful": {"id": "👍 Membantu", "en": "👍 Helpful"},
    "not_helpful": {"id": "👎 Tidak membantu", "en": "👎 Not helpful"},
    "did_you_mean": {"id": "Maksud Anda: {title}?", "en": "Did you mean: {title}?"},
    "maybe_meant": {
        "id": "Atau mungkin maksud Anda salah satu topik ini?",
        "en": "Or did you perhaps mean one of these topics?",
    },
    "dont_know": {
        "id": (
            "Maaf, saya belum bisa menjawab itu. Saya hanya tahu tentang kerja ke luar "
            "negeri yang aman dan perdagangan orang.\n\n"
            "Untuk bantuan langsung: {contact}.\nAtau pilih topik di menu."
        ),
        "en": (
            "Sorry, I cannot answer that. I only know about working abroad safely and "
            "human trafficking.\n\n"
            "For direct help: {contact}.\nOr choose a topic from the menu."
        ),
    },
    "empty": {
        "id": "Pesan Anda kosong. Tulis pertanyaan Anda, atau ketik /menu.",
        "en": "Your message is empty. Type your question, or /menu.",
    },
    "source": {
        "id": "Sumber: {sources}. Ditinjau {date}.",
        "en": "Sources: {sources}. Reviewed {date}.",
    },
    "verify_hint": {
        "id": "Sebagian info perlu dikonfirmasi ke kontak resmi.",
        "en": "Some details should be confirmed with the official contact.",
    },
    "offer_prompt": {
        "id": (
            "Tempel (paste) teks tawaran kerja atau iklan lowongannya di sini, "
            "lalu kirim. Saya akan mencari tanda bahayanya."
        ),
        "en": "Paste the job offer or advert text here and send it. I will look for warning signs.",
    },
    "offer_result": {
        "id": "Hasil cek tawaran: risiko {level}.",
        "en": "Offer check result: {level} risk.",
    },
    "offer_none": {
        "id": (
            "Saya tidak menemukan tanda bahaya yang saya kenal. Ini bukan jaminan aman: "
            "pastikan perusahaannya resmi (P3MI) dan ada perjanjian kerja tertulis."
        ),
        "en": (
            "I found none of the warning signs I know. That is no guarantee: make sure the "
            "company is a licensed P3MI and there is a written employment contract."
        ),
    },
    "offer_high": {
        "id": "Tawaran ini sangat mencurigakan. Jangan bayar dan jangan serahkan dokumen. "
        "Laporkan lewat /lapor.",
        "en": "This offer looks very suspicious. Do not pay or hand over documents. "
        "Report it with /lapor.",
    },
    "offer_medium": {
        "id": "Hati-hati. Cek perusahaannya sebelum melangkah lebih jauh.",
        "en": "Be careful. Check the company before going any further.",
    },
    "risk_rendah": {"id": "rendah", "en": "low"},
    "risk_sedang": {"id": "sedang", "en": "medium"},
    "risk_tinggi": {"id": "tinggi", "en": "high"},
    "choose_language": {
        "id": "Pilih bahasa / Choose a language:",
        "en": "Pilih bahasa / Choose a language:",
    },
    "language_set": {
        "id": "Baik, saya akan menjawab dalam Bahasa Indonesia.",
        "en": "OK, I will answer in English.",
    },
    "unknown_command": {
        "id": "Perintah {command} tidak saya kenal.",
        "en": "I do not know the command {command}.",
    },
    "command_suggestion": {"id": "Maksud Anda {suggestion}?", "en": "Did you mean {suggestion}?"},
    "thanks_feedback": {
        "id": "Terima kasih atas masukannya.",
        "en": "Thank you for the feedback.",
    },
    "media_outside_report": {
        "id": "Saya hanya bisa membaca teks. Untuk mengirim bukti, gunakan /lapor.",
        "en": "I can only read text. To send evidence, use /lapor.",
    },
    "slow_down": {
        "id": "Pelan-pelan ya 🙏 Pesan Anda terlalu banyak; tunggu sebentar lalu kirim lagi.",
        "en": "Slow down a little 🙏 Too many messages; wait a moment and send again.",
    },
    "failure": {
        "id": "Maaf, ada gangguan di sistem kami. Coba lagi sebentar lagi, atau ketik /menu.",
        "en": "Sorry, something went wrong on our side. Please try again shortly, or type /menu.",
    },
    "expired_button": {
        "id": "Tombol ini sudah tidak berlaku. Ini menu utama:",
        "en": "This button is no longer valid. Here is the main menu:",
    },
}


def text(key: str, lang: str, **values: str) -> str:
    template = _TEXTS[key].get(lang) or _TEXTS[key]["id"]
    return template.format(**values) if values else template
