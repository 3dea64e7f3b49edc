"""Indonesian words for the services' codes and fields (the APIs speak in codes)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

WITA = ZoneInfo("Asia/Makassar")  # NTB's time zone; dates people see are WITA

CATEGORY = {"pmi_purna": "PMI purna (pekerja migran kembali)", "keluarga_pmi": "Keluarga PMI"}
MARITAL = {
    "belum_kawin": "Belum kawin",
    "kawin": "Kawin",
    "cerai_hidup": "Cerai hidup",
    "cerai_mati": "Cerai mati",
}
GENDER = {"L": "Laki-laki", "P": "Perempuan"}
CHANNEL = {"sms": "SMS", "whatsapp": "WhatsApp", "email": "E-mail"}
SECTOR = {
    "pekerja_rumah_tangga": "Pekerja rumah tangga",
    "pengasuh_lansia": "Pengasuh lansia",
    "perkebunan": "Perkebunan",
    "pertanian": "Pertanian",
    "perikanan": "Perikanan",
    "manufaktur": "Manufaktur",
    "konstruksi": "Konstruksi",
    "perhotelan": "Perhotelan",
    "lainnya": "Lainnya",
}
RELATION = {
    "suami_istri": "Suami/istri",
    "anak": "Anak",
    "orang_tua": "Orang tua",
    "saudara_kandung": "Saudara kandung",
    "lainnya": "Lainnya",
}
NIK_IMPORT_STATUS = {
    "pending": "Menunggu",
    "running": "Berjalan",
    "completed": "Selesai",
    "failed": "Gagal",
}
NIK_PURPOSE = {
    "identity_verification": "Verifikasi identitas",
    "record_correction": "Koreksi data",
    "kur_submission": "Pengajuan KUR ke bank",
    "data_subject_request": "Permintaan pemilik data",
}
SESSION_STATUS = {
    "scheduled": "Terjadwal",
    "in_progress": "Berlangsung",
    "completed": "Selesai",
    "cancelled": "Dibatalkan",
}
ENROLMENT_STATUS = {"enrolled": "Terdaftar", "waitlisted": "Daftar tunggu", "cancelled": "Batal"}
PREQ_RESULT = {
    "prequalified": "Lolos prakualifikasi",
    "needs_review": "Perlu ditinjau",
    "not_eligible": "Tidak memenuhi syarat",
}
APPLICATION_STATUS = {
    "reserved": "Menunggu keputusan bank",
    "waitlisted": "Daftar tunggu kuota",
    "approved": "Disetujui",
    "rejected": "Ditolak",
    "disbursed": "Dicairkan",
    "expired": "Kedaluwarsa",
}
IMPORT_STATUS = {
    "pending": "Menunggu",
    "running": "Berjalan",
    "completed": "Selesai",
    "failed": "Gagal",
}
PURPOSE = {"modal_kerja": "Modal kerja", "investasi": "Investasi"}
STAGE = {
    "registered": "Terdaftar",
    "enrolled": "Ikut pelatihan",
    "completed": "Lulus pelatihan",
    "prequalified": "Lolos prakualifikasi",
    "applied": "Mengajukan KUR",
    "approved": "Disetujui bank",
    "disbursed": "Dicairkan",
    "business_running": "Usaha berjalan 6 bulan",
}

#: field paths of the registration API, as the form names them
FIELD = {
    "nik": "NIK",
    "full_name": "Nama lengkap",
    "gender": "Jenis kelamin",
    "birth_date": "Tanggal lahir",
    "marital_status": "Status perkawinan",
    "phone": "Nomor HP",
    "email": "E-mail",
    "address.province_code": "Kode provinsi",
    "address.regency_code": "Kode kabupaten/kota",
    "address.district": "Kecamatan",
    "address.village": "Desa/kelurahan",
    "category": "Kategori",
    "consent": "Persetujuan",
    "consent.granted": "Persetujuan",
}

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def label(table: dict[str, str], code: object) -> str:
    """The Indonesian word for ``code``, or the code itself when there is none."""
    text = str(code) if code is not None else ""
    return table.get(text, text)


def rupiah(amount: object) -> str:
    """Rp1.250.000 (Indonesian thousands separator)."""
    try:
        value = int(str(amount))
    except ValueError:
        return str(amount)
    return "Rp" + f"{value:,}".replace(",", ".")


def tanggal(value: object) -> str:
    """A date as people write it: 8 Juli 2024 (datetimes in WITA, with the time)."""
    if value is None or value == "":
        return "-"
    text = str(value)
    try:
        if "T" in text or " " in text:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(WITA)
            return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} {moment:%H.%M} WITA"
        day = date.fromisoformat(text)
    except ValueError:
        return text
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def persen(share: object) -> str:
    try:
        return f"{float(str(share)) * 100:.0f}%"
    except ValueError:
        return str(share)
