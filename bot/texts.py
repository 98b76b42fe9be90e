"""The bot's own wording (not knowledge-base content), in Indonesian and English."""

from __future__ import annotations

from typing import Final

# The contacts offered whenever the bot cannot help: the ministry's 24-hour line, free but
# only inside Indonesia, and its number that works from abroad.
HUMAN_HELP_CONTACT: Final = "kp2mi_call_centre"
ABROAD_HELP_CONTACT: Final = "kp2mi_luar_negeri"

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
    "report_missing_button": {
        "id": "🆘 Laporkan keluarga yang hilang kontak",
        "en": "🆘 Report family who cannot be reached",
    },
    "language_button": {"id": "🌐 Bahasa / Language", "en": "🌐 Bahasa / Language"},
    "helpful": {"id": "👍 Membantu", "en": "👍 Helpful"},
    "not_helpful": {"id": "👎 Tidak membantu", "en": "👎 Not helpful"},
    "also_about": {"id": "Mungkin juga: {title}", "en": "Maybe also: {title}"},
    "maybe_meant": {
        "id": "Atau mungkin maksud Anda salah satu topik ini?",
        "en": "Or did you perhaps mean one of these topics?",
    },
    "dont_know": {
        "id": (
            "Maaf, saya belum bisa menjawab itu. Saya hanya tahu tentang kerja ke luar "
            "negeri yang aman dan perdagangan orang.\n\n"
            "Untuk bantuan langsung:\n{contact}\nAtau pilih topik di menu."
        ),
        "en": (
            "Sorry, I cannot answer that. I only know about working abroad safely and "
            "human trafficking.\n\n"
            "For direct help:\n{contact}\nOr choose a topic from the menu."
        ),
    },
    "empty_message": {"id": "Pesan Anda kosong.", "en": "Your message is empty."},
    "what_i_do": {
        "id": (
            "Saya bisa menjawab pertanyaan tentang kerja ke luar negeri yang aman dan "
            "perdagangan orang, mengecek tawaran kerja (/cek), dan menerima laporan (/lapor). "
            "Tulis pertanyaan Anda dengan kata-kata sendiri, atau pilih topik:"
        ),
        "en": (
            "I can answer questions about working abroad safely and human trafficking, "
            "check a job offer (/cek) and take a report (/lapor). Type your question in "
            "your own words, or choose a topic:"
        ),
    },
    "closing_thanks": {
        "id": (
            "Sama-sama, semoga membantu 🙏 Bila ada pertanyaan lain, tulis saja kapan pun. "
            "Dalam bahaya? Ketik darurat."
        ),
        "en": (
            "You're welcome, I hope it helped 🙏 If you have another question, just write "
            "any time. In danger? Type emergency."
        ),
    },
    "closing_ok": {
        "id": "Baik 👍 Bila ada pertanyaan lain, tulis saja, atau buka menu.",
        "en": "All right 👍 If you have another question, just write it, or open the menu.",
    },
    "emergency_in_country": {"id": "Di {country}, hubungi:", "en": "In {country}, call:"},
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
            "Tempel (paste) teks tawaran kerja atau iklan lowongannya di sini, lalu kirim. "
            "Bisa juga kirim screenshot (tangkapan layar) iklannya. "
            "Saya akan mencari tanda bahayanya."
        ),
        "en": (
            "Paste the job offer or advert text here and send it, or send a screenshot of "
            "the advert. I will look for warning signs."
        ),
    },
    "offer_result": {
        "id": "🔎 Hasil cek tawaran: risiko {level}.",
        "en": "🔎 Offer check result: {level} risk.",
    },
    "offer_result_image": {
        "id": "🔎 Hasil cek tawaran dari gambar: risiko {level}.",
        "en": "🔎 Offer check of the picture: {level} risk.",
    },
    "offer_none": {
        "id": "Saya tidak menemukan tanda bahaya yang saya kenal.",
        "en": "I found none of the warning signs I know.",
    },
    # A legal bar: the offer breaks a rule, whatever else it says.
    "offer_bar": {
        "id": "Ada yang dilarang aturan dalam tawaran ini, jadi tawaran ini tidak resmi.",
        "en": "Something in this offer is forbidden by the rules, so it is not official.",
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
    # Under every verdict, RENDAH too: the check only knows the signs it was taught.
    "offer_verify": {
        "id": (
            "Tidak ada cek yang bisa menjamin tawaran aman. Pastikan perusahaannya P3MI "
            "berizin dan job order-nya ada di SISKOP2MI, atau tanyakan ke dinas tenaga kerja "
            "setempat (Kota Pariaman: DPMPTSP-TK)."
        ),
        "en": (
            "No check can guarantee that an offer is safe. Make sure the company is a "
            "licensed P3MI with its job order in SISKOP2MI, or ask your local manpower office "
            "(in Kota Pariaman: the DPMPTSP-TK)."
        ),
    },
    "offer_read_part": {
        "id": "Teks ini panjang: saya memeriksa {limit} huruf pertamanya. Kirim bagian "
        "lainnya sebagai pesan tersendiri untuk dicek juga.",
        "en": "This text is long: I checked its first {limit} characters. Send the rest as a "
        "message of its own to check it too.",
    },
    "offer_more_signs": {
        "id": "…dan {count} tanda lain (lihat Penjelasan).",
        "en": "…and {count} more (see Details).",
    },
    "offer_detail_button": {"id": "ℹ️ Penjelasan", "en": "ℹ️ Details"},
    "offer_detail_title": {"id": "Penjelasan tanda bahaya", "en": "The warning signs explained"},
    "offer_again_button": {"id": "🔎 Cek tawaran lain", "en": "🔎 Check another offer"},
    "offer_read_text": {
        "id": (
            "📝 Teks yang saya baca dari gambar (bisa ada yang salah baca):\n\n{text}\n\n"
            "Kalau ada yang salah, salin teks ini, perbaiki, lalu kirim: saya cek ulang."
        ),
        "en": (
            "📝 The text I read from the picture (some words may be misread):\n\n{text}\n\n"
            "If something is wrong, copy this text, correct it and send it: I will check again."
        ),
    },
    "offer_image_unavailable": {
        "id": (
            "Maaf, saya belum bisa membaca gambar di sini. Mohon salin (copy) teks "
            "tawarannya, lalu kirim sebagai pesan biasa."
        ),
        "en": (
            "Sorry, I cannot read pictures here yet. Please copy the text of the offer and "
            "send it as a normal message."
        ),
    },
    "offer_image_unreadable": {
        "id": (
            "Gambar ini tidak bisa saya baca. Kirim screenshot yang jelas, atau salin teks "
            "tawarannya lalu kirim sebagai pesan."
        ),
        "en": (
            "I cannot read this picture. Send a clear screenshot, or copy the text of the "
            "offer and send it as a message."
        ),
    },
    "offer_image_empty": {
        "id": (
            "Saya tidak menemukan tulisan di gambar ini. Kirim screenshot yang lebih jelas, "
            "atau salin teks tawarannya lalu kirim sebagai pesan."
        ),
        "en": (
            "I found no writing in this picture. Send a clearer screenshot, or copy the text "
            "of the offer and send it as a message."
        ),
    },
    "offer_image_busy": {
        "id": (
            "Banyak gambar sedang saya baca. Kirim lagi sebentar lagi, atau salin teks "
            "tawarannya lalu kirim sebagai pesan."
        ),
        "en": (
            "I am reading many pictures right now. Send it again in a moment, or copy the "
            "text of the offer and send it as a message."
        ),
    },
    "offer_image_not_screenshot": {
        "id": (
            "Gambar ini tidak saya baca: bentuknya terlalu panjang dan sempit untuk sebuah "
            "screenshot. Kirim screenshot biasa dari layar HP (boleh beberapa gambar), atau "
            "salin teks tawarannya lalu kirim sebagai pesan."
        ),
        "en": (
            "I did not read this picture: it is far too long and narrow for a screenshot. "
            "Send ordinary screenshots of your phone's screen (several are fine), or copy "
            "the text of the offer and send it as a message."
        ),
    },
    "offer_image_too_large": {
        "id": (
            "Gambar ini terlalu besar untuk saya baca. Kirim screenshot biasa dari layar HP "
            "(boleh beberapa gambar), atau salin teks tawarannya lalu kirim sebagai pesan."
        ),
        "en": (
            "This picture is too large for me to read. Send ordinary screenshots of your "
            "phone's screen (several are fine), or copy the text of the offer and send it "
            "as a message."
        ),
    },
    "offer_image_not_image": {
        "id": "Untuk cek tawaran, kirim teksnya atau screenshot (gambar) iklannya.",
        "en": "To check an offer, send its text or a screenshot (picture) of the advert.",
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
        "id": (
            "Saya hanya bisa membaca teks dan screenshot tawaran kerja (ketik /cek lalu kirim "
            "gambarnya). Untuk mengirim bukti, gunakan /lapor."
        ),
        "en": (
            "I can only read text and screenshots of job offers (type /cek, then send the "
            "picture). To send evidence, use /lapor."
        ),
    },
    "media_too_large": {
        "id": "File ini lebih dari {limit} MB, terlalu besar untuk saya terima. Kirim yang lebih kecil "
        "(misalnya tangkapan layar), atau lanjutkan tanpa file ini.",
        "en": "This file is over {limit} MB, too large for me to receive. Send a smaller one "
        "(a screenshot, for example), or go on without it.",
    },
    "media_disk_full": {
        "id": "Maaf, tempat penyimpanan bukti sedang penuh, jadi file ini tidak bisa saya terima "
        "sekarang. Ceritakan buktinya dengan kata-kata, atau kirim lagi nanti.",
        "en": "Sorry, the storage for evidence is full, so I cannot receive this file now. "
        "Describe the evidence in words, or send it again later.",
    },
    "media_too_many": {
        "id": "Sudah banyak file yang Anda kirim dalam satu jam terakhir; file ini tidak saya "
        "terima. Kirim lagi nanti, atau ceritakan buktinya dengan kata-kata.",
        "en": "You have sent many files in the last hour; I did not receive this one. Send it "
        "again later, or describe the evidence in words.",
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
            "Boleh tanpa nama, boleh mengetik atau menekan tombol. Ketik /batal kapan saja "
            "untuk berhenti.",
            "en": "Thank you for reporting. There are 9 short questions; answer what you know. "
            "You may stay anonymous, and type or press the buttons. Type /cancel at any time "
            "to stop.",
        },
        "report_kind": {
            "id": "Apa yang ingin Anda laporkan?",
            "en": "What would you like to report?",
        },
        "report_choose_kind": {
            "id": "Pilih salah satu: tawaran kerja yang mencurigakan, atau keluarga di luar "
            "negeri yang tidak bisa dihubungi.",
            "en": "Choose one: a suspicious job offer, or family abroad who cannot be reached.",
        },
        "report_missing_title": {
            "id": "Bila keluarga di luar negeri hilang kontak",
            "en": "When family abroad cannot be reached",
        },
        "report_missing_help": {
            "id": "Jangan tunggu laporan ini selesai. Hubungi juga sekarang, sebutkan nama, "
            "nomor paspor bila ada, dan lokasi terakhirnya:",
            "en": "Do not wait until this report is finished. Contact these now too, with "
            "their name, passport number if you have it, and last known place:",
        },
        "report_saved": {
            "id": "Tersimpan: «{answer}»\n\nMasih ada yang mau ditambahkan? Kirim saja, nanti "
            "digabung ke jawaban ini. Bila sudah, tekan ➡️ Lanjut.",
            "en": "Saved: «{answer}»\n\nAnything to add? Just send it and it joins this "
            "answer. When done, press ➡️ Next.",
        },
        "report_next_button": {"id": "➡️ Lanjut", "en": "➡️ Next"},
        "report_kept_answer": {"id": "✅ Tersimpan: «{answer}»", "en": "✅ Saved: «{answer}»"},
        "report_more_saved": {
            "id": "(+{count} huruf lagi, tersimpan utuh)",
            "en": "(+{count} more characters, all saved)",
        },
        "report_answer_full": {
            "id": "Jawaban ini sudah mencapai batas {limit} huruf, jadi {cut} huruf terakhir "
            "tidak tersimpan. Tulis ringkasannya bila masih penting, atau sampaikan ke petugas "
            "setelah laporan terkirim (/status).",
            "en": "This answer reached the limit of {limit} characters, so the last {cut} were "
            "not saved. Write a summary if they matter, or tell the officials once the report "
            "is sent (/status).",
        },
        "report_already_saved": {
            "id": "Jawaban tadi sudah tersimpan; kita sudah di pertanyaan berikutnya:",
            "en": "Your last answer is saved already; we are at the next question:",
        },
        "report_current_answer": {
            "id": "Jawaban sekarang: «{answer}»\n✏️ Tulis jawaban baru untuk menggantinya, "
            "atau tekan ➡️ Tetap.",
            "en": "Current answer: «{answer}»\n✏️ Type a new answer to replace it, or press ➡️ Keep.",
        },
        "report_keep_answer_button": {"id": "➡️ Tetap", "en": "➡️ Keep"},
        "report_change_last_button": {"id": "✏️ Ubah jawaban", "en": "✏️ Change answer"},
        "report_no_words": {
            "id": "Tulis jawabannya dengan kata-kata, atau tekan salah satu tombol.",
            "en": "Type the answer in words, or press one of the buttons.",
        },
        "report_not_an_answer": {
            "id": "«{said}» tidak saya simpan sebagai jawaban pertanyaan ini.",
            "en": "I did not save “{said}” as the answer to this question.",
        },
        "report_command_inside": {
            "id": "«{said}» adalah perintah, bukan jawaban. Laporan Anda menunggu di sini: "
            "jawab pertanyaannya, ketik menu untuk menjedanya, atau batal untuk menghapusnya.",
            "en": "“{said}” is a command, not an answer. Your report waits here: answer the "
            "question, type menu to pause it, or cancel to delete it.",
        },
        "report_needs_answer": {
            "id": "Pertanyaan ini perlu dijawab dan tidak bisa dilewati: tulis apa saja yang "
            "Anda tahu, walau sedikit.",
            "en": "This question needs an answer and cannot be skipped: write whatever you "
            "know, even a little.",
        },
        "report_place_needs": {
            "id": "Tulis nama kecamatan atau kelurahan/desa, atau tekan salah satu tombol.",
            "en": "Type the name of the kecamatan or village, or press one of the buttons.",
        },
        "report_thanks": {
            "id": "Sama-sama 🙏 Laporannya kita lanjutkan.",
            "en": "You're welcome 🙏 Let's go on with the report.",
        },
        "report_kept": {
            "id": "Baik, laporan tidak dihapus. Kita lanjutkan:",
            "en": "All right, the report is kept. Let's go on:",
        },
        "report_answer_first": {
            "id": "Pertanyaan ini belum dijawab. Tulis jawabannya, atau pilih Tidak tahu bila "
            "ada tombolnya.",
            "en": "This question has no answer yet. Type it, or choose I don't know if that "
            "button is there.",
        },
        "report_note_saved": {
            "id": "Catatan bukti tersimpan.",
            "en": "Evidence note saved.",
        },
        "report_more_or_done": {
            "id": "Kirim bukti atau catatan lain, atau tekan Selesai.",
            "en": "Send more evidence or notes, or press Done.",
        },
        "report_confirm_cancel": {
            "id": "Hapus laporan ini? Semua jawaban yang sudah Anda isi akan dihapus.",
            "en": "Delete this report? All the answers you gave will be deleted.",
        },
        "report_drop_button": {"id": "🗑️ Ya, hapus", "en": "🗑️ Yes, delete"},
        "report_keep_button": {"id": "↩️ Tidak, lanjutkan", "en": "↩️ No, continue"},
        "report_to_summary_button": {
            "id": "⬅️ Kembali ke ringkasan",
            "en": "⬅️ Back to the summary",
        },
        "report_safe_step": {
            "id": "Laporan Anda tersimpan di pertanyaan {step} dari {total}. Lanjutkan bila "
            "Anda sudah aman; tidak ada yang hilang.",
            "en": "Your report is saved at question {step} of {total}. Continue when you are "
            "safe; nothing is lost.",
        },
        "report_safe_summary": {
            "id": "Laporan Anda tersimpan. Lanjutkan bila Anda sudah aman; tidak ada yang hilang.",
            "en": "Your report is saved. Continue when you are safe; nothing is lost.",
        },
        "report_at_summary": {
            "id": "Periksa ringkasan di bawah, lalu tekan ✅ Kirim atau ✏️ Ubah.",
            "en": "Check the summary below, then press ✅ Send or ✏️ Change.",
        },
        "report_incomplete": {
            "id": "Laporan belum lengkap; satu pertanyaan belum dijawab:",
            "en": "The report is not complete; one question has no answer yet:",
        },
        "report_paused": {
            "id": "Laporan Anda disimpan dan bisa dilanjutkan kapan saja.",
            "en": "Your report is saved and can be continued any time.",
        },
        "report_offer_from_check": {
            "id": "Jawaban 1 sudah diisi dengan tawaran yang tadi Anda cek. Tekan ➡️ Lanjut, "
            "atau ketik tawarannya lagi untuk menggantinya.",
            "en": "Answer 1 is filled in with the offer you just checked. Press ➡️ Next, or "
            "type the offer again to replace it.",
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
            "id": "Mohon pilih salah satu tombol, atau ketik: {options}.",
            "en": "Please choose one of the buttons, or type: {options}.",
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
        "report_field_kind": {"id": "Jenis", "en": "Kind"},
        "report_field_offer": {"id": "Tawaran", "en": "Offer"},
        "report_field_recruiter": {"id": "Perekrut", "en": "Recruiter"},
        "report_field_location": {"id": "Tempat", "en": "Place"},
        "report_field_destination": {"id": "Tujuan", "en": "Destination"},
        "report_field_departed": {"id": "Sudah berangkat", "en": "Already left"},
        "report_field_danger": {"id": "Dalam bahaya", "en": "In danger"},
        "report_field_evidence": {"id": "Bukti", "en": "Evidence"},
        "report_field_contact": {"id": "Kontak", "en": "Contact"},
        "report_field_person": {"id": "Siapa", "en": "Who"},
        "report_field_since": {"id": "Sejak / kontak terakhir", "en": "Since / last contact"},
        "report_field_where": {"id": "Terakhir berada", "en": "Last known place"},
        "report_field_taken_by": {"id": "Diberangkatkan oleh", "en": "Taken by"},
        "report_field_family_area": {"id": "Keluarga tinggal di", "en": "Family lives in"},
        "report_field_fear": {"id": "Dikhawatirkan dalam bahaya", "en": "Feared in danger"},
        "report_send_button": {"id": "✅ Kirim", "en": "✅ Send"},
        "report_edit_button": {"id": "✏️ Ubah", "en": "✏️ Change"},
        "report_cancel_button": {"id": "✖️ Batal", "en": "✖️ Cancel"},
        "report_back_button": {"id": "⬅️ Kembali", "en": "⬅️ Back"},
        "report_no_consent": {
            "id": "Baik, laporan ini tidak kami teruskan. Jawaban Anda disimpan 7 hari bila "
            "Anda berubah pikiran (tekan Lanjutkan laporan atau ketik /lapor), lalu dihapus "
            "otomatis; atau hapus sekarang. Anda juga bisa melapor langsung ke:",
            "en": "All right, we will not forward this report. Your answers are kept for 7 "
            "days in case you change your mind (press Continue the report or type /lapor), "
            "then deleted automatically; or delete them now. You can also report directly to:",
        },
        "report_received": {"id": "Laporan diterima", "en": "Report received"},
        "report_receipt_code": {
            "id": "Kode kasus Anda: {code}\nSimpan kode ini.",
            "en": "Your case code: {code}\nKeep this code.",
        },
        "report_receipt_forwarded": {
            "id": "Laporan Anda sudah tersimpan dan diteruskan ke petugas yang ditunjuk "
            "Pemerintah {region}.{office}\n\nSelanjutnya: petugas mengonfirmasi penerimaannya paling lambat "
            "{ack}, dan mulai menindaklanjuti paling lambat {act}. Petugas bisa membalas lewat "
            "bot ini; Anda diberi tahu bila status kasus berubah.",
            "en": "Your report is stored and forwarded to the officials appointed by the "
            "{region} government.{office}\n\nNext: officials confirm they have it by {ack} at the latest, and "
            "start following it up by {act}. Officials can reply through this bot; you will "
            "be told when the case status changes.",
        },
        "report_receipt_stored": {
            "id": "Laporan Anda sudah tersimpan di bot ini, tetapi saat ini belum ada petugas "
            "yang terhubung untuk menerimanya. Jangan menunggu: sampaikan juga langsung ke",
            "en": "Your report is stored in this bot, but no officials are connected to "
            "receive it yet. Do not wait: also tell",
        },
        "report_receipt_urgent": {
            "id": "⚠️ Laporan ini ditandai MENDESAK. Bila ada yang dalam bahaya sekarang, "
            "jangan tunggu balasan petugas:",
            "en": "⚠️ This report is marked URGENT. If someone is in danger now, do not wait "
            "for the officials' answer:",
        },
        "report_receipt_status": {
            "id": "Cek kapan saja, ketik: /status {code}",
            "en": "Check any time, type: /status {code}",
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
            "id": "Status laporan {code} sekarang: {status}.\nDitangani petugas yang ditunjuk "
            "Pemerintah {region}.{office}\nLihat semua pesan petugas, ketik: /status {code}",
            "en": "Report {code} is now: {status}.\nHandled by the officials appointed by the "
            "{region} government.{office}\nSee all messages from the officials, type: "
            "/status {code}",
        },
        "status_notice_reason": {"id": "Keterangan: {reason}", "en": "Note: {reason}"},
        "status_more": {
            "id": "… pesan lain: /status {code}",
            "en": "… more messages: /status {code}",
        },
        # A reporter's own words after the officials wrote (bot/reporting.py).
        "to_case_offer": {
            "id": "Kirim pesan ini ke petugas untuk laporan {code}?\n«{message}»",
            "en": "Send this message to the officials about report {code}?\n“{message}”",
        },
        "to_case_send_button": {"id": "✅ Kirim ke petugas", "en": "✅ Send to officials"},
        # Both buttons within WhatsApp's 20 characters: reply buttons, not a list.
        "to_case_question_button": {"id": "❓ Ini pertanyaan", "en": "❓ It's a question"},
        "to_case_gone": {
            "id": "Pesan itu sudah tidak menunggu. Tulis lagi bila ingin mengirimnya ke petugas.",
            "en": "That message is no longer waiting. Write it again to send it to the officials.",
        },
        "reply_sent_urgent": {
            "id": "🚨 Pesan Anda untuk laporan {code} sudah diteruskan SEGERA ke petugas, "
            "ditandai mendesak. Jangan menunggu balasan bila ada yang dalam bahaya: hubungi "
            "nomor darurat di atas.",
            "en": "🚨 Your message about report {code} was passed to the officials AT ONCE, "
            "marked urgent. Do not wait for their answer if someone is in danger: call the "
            "emergency numbers above.",
        },
        # The watch, when a promised time passes without an answer (bot/reminders.py).
        "promise_missed": {
            "id": "Petugas belum merespons laporan {code} pada waktu yang dijanjikan ({when}). "
            "Kami sudah mengingatkan mereka. Bila ada yang dalam bahaya sekarang, jangan "
            "menunggu — hubungi:\n{contacts}",
            "en": "The officials have not answered report {code} by the promised time "
            "({when}). We have reminded them. If someone is in danger now, do not wait — "
            "call:\n{contacts}",
        },
        # The report's "where" question over the regions (bot/flows/place.py).
        "place_region": {
            "id": "{question} Pilih kota/kabupaten, atau tulis nama kecamatan atau kelurahan/desa.",
            "en": "{question} Choose the city or regency, or type the kecamatan or village.",
        },
        "place_which": {
            "id": "«{name}» ada di lebih dari satu daerah. Yang mana?",
            "en": "“{name}” is in more than one area. Which one?",
        },
        "place_now_kecamatan": {
            "id": "Di kecamatan mana di {region}?",
            "en": "Which kecamatan in {region}?",
        },
        "place_outside_all": {"id": "Di luar daerah ini", "en": "Outside these areas"},
        "place_outside_one": {"id": "Di luar {region}", "en": "Outside {region}"},
        "place_other_region": {
            "id": "⬅️ Kota/kabupaten lain",
            "en": "⬅️ Another city or regency",
        },
        # A region's office (REGIONS_FILE `office`), under texts about its cases.
        "region_office": {
            "id": "\nKantor setempat: {office}",
            "en": "\nLocal office: {office}",
        },
        "official_message": {
            "id": "Pesan dari petugas Pemerintah {region} tentang laporan {code}:\n\n{message}",
            "en": "A message from the {region} government's officials about report "
            "{code}:\n\n{message}",
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


# Limits per reporter (settings REPORTS_PER_DAY, REPORT_MESSAGES_PER_HOUR, EVIDENCE_PER_REPORT).
_TEXTS.update(
    {
        "cap_reports": {
            "id": "Terima kasih. Anda sudah mengirim {count} laporan dalam 24 jam terakhir, "
            "batas per hari. Petugas sedang memeriksanya; laporan baru bisa dikirim besok. "
            "Untuk menambah keterangan, balas lewat /status. Bila ada yang dalam bahaya "
            "sekarang, hubungi polisi di 110.",
            "en": "Thank you. You have sent {count} reports in the last 24 hours, the daily "
            "limit. The officials are looking at them; a new report can be sent tomorrow. To "
            "add details, reply through /status. If someone is in danger now, call the "
            "police on 110.",
        },
        "cap_messages": {
            "id": "Pesan Anda untuk laporan {code} sudah {count} dalam satu jam terakhir, "
            "batas per jam. Mohon tunggu sebentar; petugas akan membaca yang sudah masuk. "
            "Bila ada yang dalam bahaya sekarang, hubungi polisi di 110.",
            "en": "You have sent {count} messages about report {code} in the last hour, the "
            "hourly limit. Please wait a while; the officials will read what has arrived. If "
            "someone is in danger now, call the police on 110.",
        },
        "edit_not_relayed": {
            "id": "Pesan yang diubah tidak diteruskan ke petugas. Kirim pesan baru bila ingin "
            "menambah atau meralat.",
            "en": "Edited messages are not passed to the officials. Send a new message to add "
            "or correct something.",
        },
        "report_done_button": {"id": "Selesai", "en": "Done"},
        "cap_evidence": {
            "id": "Laporan ini sudah membawa {count} berkas bukti, batasnya. Terima kasih! "
            "Tekan Selesai untuk lanjut.",
            "en": "This report already carries {count} evidence files, the limit. Thank you! "
            "Press Done to go on.",
        },
    }
)

# --- Case updates off and on (bot/case_updates.py), WhatsApp's typed navigation ------
_TEXTS.update(
    {
        # A question's Back / Cancel as words to type (bot/channels/whatsapp/render.py).
        "whatsapp_typed_navigation": {
            "id": "_Ketik *kembali* untuk pertanyaan sebelumnya, *batal* untuk membatalkan._",
            "en": "_Type *back* for the previous question, *cancel* to cancel._",
        },
        "whatsapp_typed_change": {
            "id": "_✏️ Ubah jawaban tadi: ketik *ubah*. Membatalkan laporan: ketik *batal*._",
            "en": "_✏️ Change the answer just given: type *change*. Cancel the report: type "
            "*cancel*._",
        },
        "updates_off": {
            "id": "🔕 Kabar kasus dimatikan. Pesan petugas dan perubahan status laporan Anda "
            "tidak hilang: kami simpan, dan kami kirim semuanya begitu Anda mengetik "
            "AKTIFKAN. Sampai saat itu kami hanya menjawab pesan Anda. Status kasus tetap "
            "bisa ditanyakan kapan saja: ketik status lalu kode kasus Anda.",
            "en": "🔕 Case updates are off. Officials' messages and status changes on your "
            "report are not lost: we keep them and send them all as soon as you type RESUME. "
            "Until then we only answer your messages. You can still ask for your case's "
            "status at any time: type status and your case code.",
        },
        "updates_on_button": {"id": "🔔 Aktifkan lagi", "en": "🔔 Resume updates"},
        "updates_on": {
            "id": "🔔 Kabar kasus aktif lagi.{kept} Untuk mematikannya, ketik BERHENTI.",
            "en": "🔔 Case updates are on again.{kept} To turn them off, type STOP.",
        },
        "updates_kept": {
            "id": " {count} pesan yang disimpan selama kabar dimatikan kami kirim sekarang.",
            "en": " The {count} message(s) kept while they were off are on their way now.",
        },
    }
)


# --- Awareness broadcasts: subscribing, unsubscribing, polls (bot/broadcast) ------------
_TEXTS.update(
    {
        "updates_off_and_broadcasts": {
            "id": "🔕 Kabar kasus dimatikan, dan langganan info & peringatan dihentikan.\n\n"
            "Pesan petugas dan perubahan status laporan Anda tidak hilang: kami simpan, dan "
            "kami kirim semuanya begitu Anda mengetik AKTIFKAN (hanya kabar kasus). Untuk "
            "menerima info & peringatan lagi, ketik /langganan. Sampai saat itu kami hanya "
            "menjawab pesan Anda. Status kasus tetap bisa ditanyakan kapan saja: ketik status "
            "lalu kode kasus Anda.",
            "en": "🔕 Case updates are off, and your subscription to news & warnings has "
            "ended.\n\nOfficials' messages and status changes on your report are not lost: "
            "we keep them and send them all as soon as you type RESUME (case updates only). "
            "To get news & warnings again, type /langganan. Until then we only answer your "
            "messages. You can still ask for your case's status at any time: type status and "
            "your case code.",
        },
        "subscribe_button": {"id": "🔔 Info & peringatan", "en": "🔔 News & warnings"},
        "subscribe_intro": {
            "id": "🔔 Info & peringatan: beberapa pesan sebulan, berisi peringatan lowongan "
            "palsu di daerah Anda, kabar migrasi aman, dan sesekali satu pertanyaan singkat.\n"
            "Berhenti kapan saja: ketik /berhenti_langganan.",
            "en": "🔔 News & warnings: a few messages a month, with warnings about fake job "
            "offers in your area, safe-migration news, and now and then one short question.\n"
            "Stop at any time: type /berhenti_langganan.",
        },
        "subscribe_place": {
            "id": "Di kecamatan atau kota/kabupaten mana Anda tinggal? Pilih di bawah atau "
            "ketik namanya. Tidak ingin menyebutkan? Tekan Lewati.",
            "en": "Which kecamatan or city/regency do you live in? Choose below or type its "
            "name. Rather not say? Press Skip.",
        },
        "subscribe_kecamatan": {
            "id": "Di kecamatan mana Anda tinggal? Pilih di bawah atau ketik namanya. Tidak "
            "ingin menyebutkan? Tekan Lewati.",
            "en": "Which kecamatan do you live in? Choose below or type its name. Rather not "
            "say? Press Skip.",
        },
        "subscribe_place_unknown": {
            "id": "Tempat itu tidak saya kenal. Pilih dari tombol, atau ketik lewati.",
            "en": "I do not know that place. Choose from the buttons, or type skip.",
        },
        "subscribe_skip_button": {"id": "Lewati", "en": "Skip"},
        "subscribed": {
            "id": "✅ Anda sudah berlangganan info & peringatan ({place}). Berhenti kapan "
            "saja: ketik /berhenti_langganan.",
            "en": "✅ You are subscribed to news & warnings ({place}). Stop at any time: type "
            "/berhenti_langganan.",
        },
        "subscribed_already": {
            "id": "Anda sudah berlangganan info & peringatan ({place}).",
            "en": "You are already subscribed to news & warnings ({place}).",
        },
        "subscribed_anywhere": {
            "id": "info untuk {region} dan seluruh provinsi",
            "en": "news for {region} and the whole province",
        },
        "subscribe_change_place_button": {"id": "📍 Ganti tempat", "en": "📍 Change place"},
        # Within WhatsApp's 20 characters of a reply button.
        "unsubscribe_button": {"id": "🔕 Stop langganan", "en": "🔕 Unsubscribe"},
        "unsubscribed": {
            "id": "🔕 Langganan info & peringatan dihentikan; data langganan Anda sudah "
            "dihapus. Untuk berlangganan lagi, ketik /langganan.",
            "en": "🔕 Your subscription to news & warnings has ended and its record is "
            "deleted. To subscribe again, type /langganan.",
        },
        "unsubscribed_not": {
            "id": "Anda tidak berlangganan info & peringatan. Untuk berlangganan, ketik "
            "/langganan.",
            "en": "You are not subscribed to news & warnings. To subscribe, type /langganan.",
        },
        "broadcasts_unavailable": {
            "id": "Info & peringatan belum tersedia di sini.",
            "en": "News & warnings are not available here yet.",
        },
        "broadcast_title": {"id": "📢 Info & peringatan", "en": "📢 News & warnings"},
        "broadcast_poll": {
            "id": "Pilih jawaban Anda (satu pilihan; boleh diganti):",
            "en": "Choose your answer (one choice; you may change it):",
        },
        "broadcast_note": {
            "id": "Dikirim petugas kepada pelanggan. Berhenti: /berhenti_langganan",
            "en": "Sent by the officials to subscribers. Stop: /berhenti_langganan",
        },
        # The template's one parameter: WhatsApp takes no line breaks there.
        "broadcast_template_poll": {
            "id": "Jawab dengan mengetik angkanya: {options}.",
            "en": "Answer by typing its number: {options}.",
        },
        "poll_thanks": {
            "id": "Terima kasih, jawaban Anda tercatat: «{choice}».",
            "en": "Thank you, your answer is counted: «{choice}».",
        },
        "poll_changed": {
            "id": "Jawaban Anda diganti menjadi «{choice}». Satu jawaban per orang.",
            "en": "Your answer is now «{choice}». One answer per person.",
        },
        "poll_not_yours": {
            "id": "Jajak pendapat ini hanya untuk pelanggan yang menerimanya.",
            "en": "This poll is only for the subscribers who received it.",
        },
        "poll_gone": {
            "id": "Jajak pendapat ini tidak ada lagi.",
            "en": "This poll no longer exists.",
        },
    }
)


def text(key: str, lang: str, **values: str) -> str:
    template = _TEXTS[key].get(lang) or _TEXTS[key]["id"]
    return template.format(**values) if values else template
