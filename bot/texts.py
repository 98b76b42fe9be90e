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
    "media_too_large": {
        "id": "File ini lebih dari {limit} MB, terlalu besar untuk saya terima. Kirim yang lebih kecil "
        "(misalnya tangkapan layar), atau lanjutkan tanpa file ini.",
        "en": "This file is over {limit} MB, too large for me to receive. Send a smaller one "
        "(a screenshot, for example), or go on without it.",
    },
    "media_failed": {
        "id": "Maaf, file ini tidak bisa saya terima sekarang. Coba kirim sekali lagi.",
        "en": "Sorry, I could not receive this file just now. Please send it once more.",
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


# --- the report flow (bot/flows/report.py) -------------------------------------------
_TEXTS.update(
    {
        "report_intro": {
            "id": "Terima kasih mau melapor. Ada 9 pertanyaan singkat; jawab yang Anda tahu. "
            "Boleh tanpa nama. Ketik /batal kapan saja untuk berhenti.",
            "en": "Thank you for reporting. There are 9 short questions; answer what you know. "
            "You may stay anonymous. Type /cancel at any time to stop.",
        },
        "report_resume": {
            "id": "Anda punya laporan yang belum selesai. Kita lanjutkan dari sini:",
            "en": "You have an unfinished report. Let's continue from here:",
        },
        "report_cancelled": {
            "id": "Laporan dibatalkan dan dihapus. Anda bisa mulai lagi dengan /lapor.",
            "en": "The report was cancelled and deleted. You can start again with /lapor.",
        },
        "report_none_active": {
            "id": "Tidak ada laporan yang sedang diisi. Mulai dengan /lapor, atau cek laporan "
            "Anda dengan /status.",
            "en": "There is no report in progress. Start one with /lapor, or check yours with "
            "/status.",
        },
        "report_use_buttons": {
            "id": "Mohon pilih salah satu tombol.",
            "en": "Please choose one of the buttons.",
        },
        "report_too_short": {
            "id": "Ceritakan sedikit lebih banyak, paling tidak beberapa kata.",
            "en": "Please tell a little more, at least a few words.",
        },
        "report_too_long": {
            "id": "Terlalu panjang; cukup nomor HP atau nama (maks. 200 huruf).",
            "en": "Too long; a phone number or name is enough (max. 200 characters).",
        },
        "report_send_media": {
            "id": "Di langkah ini kirim foto, tangkapan layar, dokumen atau pesan suara, "
            "atau tekan Selesai.",
            "en": "At this step send photos, screenshots, documents or voice notes, or press Done.",
        },
        "report_media_saved": {
            "id": "Bukti tersimpan ({count}). Kirim lagi, atau tekan Selesai.",
            "en": "Evidence saved ({count}). Send more, or press Done.",
        },
        "report_files": {"id": "{count} berkas", "en": "{count} files"},
        "report_summary": {
            "id": "Periksa laporan Anda:",
            "en": "Check your report:",
        },
        "report_urgent_marked": {
            "id": "⚠️ Ditandai MENDESAK.",
            "en": "⚠️ Marked URGENT.",
        },
        "report_which": {"id": "Bagian mana yang ingin diubah?", "en": "Which part to change?"},
        "report_field_offer": {"id": "Tawaran", "en": "Offer"},
        "report_field_recruiter": {"id": "Perekrut", "en": "Recruiter"},
        "report_field_location": {"id": "Tempat", "en": "Place"},
        "report_field_destination": {"id": "Tujuan", "en": "Destination"},
        "report_field_departed": {"id": "Sudah berangkat", "en": "Already left"},
        "report_field_danger": {"id": "Dalam bahaya", "en": "In danger"},
        "report_field_evidence": {"id": "Bukti", "en": "Evidence"},
        "report_field_contact": {"id": "Kontak", "en": "Contact"},
        "report_send_button": {"id": "✅ Kirim", "en": "✅ Send"},
        "report_edit_button": {"id": "✏️ Ubah", "en": "✏️ Change"},
        "report_cancel_button": {"id": "✖️ Batal", "en": "✖️ Cancel"},
        "report_back_button": {"id": "⬅️ Kembali", "en": "⬅️ Back"},
        "report_no_consent": {
            "id": "Tanpa persetujuan, laporan tidak kami teruskan, dan draf sudah dihapus. "
            "Anda tetap bisa melapor langsung ke polisi (110) atau call center KP2MI.",
            "en": "Without consent we do not forward the report, and the draft was deleted. "
            "You can still report directly to the police (110) or the KP2MI call centre.",
        },
        "report_received": {"id": "Laporan diterima", "en": "Report received"},
        "report_receipt": {
            "id": "Kode kasus Anda: {code}\n\nSimpan kode ini. Laporan Anda sudah tersimpan dan "
            "diteruskan ke petugas Gugus Tugas TPPO Kota Pariaman. Petugas bisa membalas lewat "
            "bot ini; Anda akan diberi tahu bila status kasus berubah.\n\n"
            "Cek kapan saja: /status {code}",
            "en": "Your case code: {code}\n\nKeep this code. Your report is stored and forwarded "
            "to the Kota Pariaman anti-trafficking task force. Officials can reply through this "
            "bot; you will be told when the case status changes.\n\n"
            "Check any time: /status {code}",
        },
        "nothing_to_cancel": {
            "id": "Tidak ada yang perlu dibatalkan. Ketik /menu untuk melihat topik.",
            "en": "There is nothing to cancel. Type /menu to see the topics.",
        },
        "status_none": {
            "id": "Anda belum punya laporan. Melapor: /lapor",
            "en": "You have no reports yet. To report: /lapor",
        },
        "status_list": {"id": "Laporan Anda:", "en": "Your reports:"},
        "status_not_found": {
            "id": "Kode itu tidak ditemukan di antara laporan Anda. Periksa kodenya, atau ketik "
            "/status untuk melihat daftar laporan Anda.",
            "en": "That code is not among your reports. Check the code, or type /status to see "
            "your reports.",
        },
        "status_of": {
            "id": "Laporan {code}\nStatus: {status}",
            "en": "Report {code}\nStatus: {status}",
        },
        "status_no_messages": {
            "id": "\nBelum ada pesan dari petugas.",
            "en": "\nNo messages from officials yet.",
        },
        "reply_prompt": {
            "id": "Tulis balasan Anda untuk petugas (laporan {code}). Boleh juga kirim foto atau "
            "dokumen.",
            "en": "Write your reply to the officials (report {code}). You may also send a photo "
            "or document.",
        },
        "reply_sent": {
            "id": "Balasan Anda untuk laporan {code} sudah diteruskan ke petugas.",
            "en": "Your reply about report {code} was passed to the officials.",
        },
        "report_reminder": {
            "id": "Laporan Anda belum selesai dan belum terkirim. Lanjutkan? Draf dihapus "
            "otomatis setelah 7 hari.",
            "en": "Your report is unfinished and not sent yet. Continue? Drafts are deleted "
            "after 7 days.",
        },
        "report_continue_button": {"id": "Lanjutkan laporan", "en": "Continue the report"},
        "status_notice": {
            "id": "Status laporan {code} sekarang: {status}.\nLihat semua pesan petugas: "
            "/status {code}",
            "en": "Report {code} is now: {status}.\nSee all messages from the officials: "
            "/status {code}",
        },
        "official_message": {
            "id": "Pesan dari petugas Gugus Tugas TPPO tentang laporan {code}:\n\n{message}",
            "en": "A message from the anti-trafficking task force about report {code}:\n\n"
            "{message}",
        },
        "reply_to_officials_button": {"id": "↩️ Balas petugas", "en": "↩️ Reply to the officials"},
        # A report's status (reports.STATUSES), as reporters and officials read it.
        "case_status_baru": {"id": "🆕 Baru", "en": "🆕 New"},
        "case_status_diterima": {"id": "📥 Diterima", "en": "📥 Received"},
        "case_status_ditindaklanjuti": {"id": "🔎 Ditindaklanjuti", "en": "🔎 Being followed up"},
        "case_status_selesai": {"id": "✅ Selesai", "en": "✅ Closed"},
        "case_status_tidak_valid": {"id": "🚫 Tidak valid", "en": "🚫 Not valid"},
        "report_unavailable": {
            "id": "Maaf, pelaporan lewat bot belum aktif di sini. Silakan lapor ke polisi (110) "
            "atau call center KP2MI.",
            "en": "Sorry, reporting through the bot is not active here. Please report to the "
            "police (110) or the KP2MI call centre.",
        },
    }
)


def text(key: str, lang: str, **values: str) -> str:
    template = _TEXTS[key].get(lang) or _TEXTS[key]["id"]
    return template.format(**values) if values else template
