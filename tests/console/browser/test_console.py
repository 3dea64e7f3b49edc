"""Konsol Purna in Debian's Chromium against the real services: sign-in per role, registering a
participant (the service's 422 beside the field), a trainer's attendance on a phone, completion
and certificates, a bank's decision scoped to its bank, the dashboard against the demo's figures,
accessibility (axe) of every page visited, and a service outage shown for the part it affects."""

from __future__ import annotations

import io
import random
import time
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from purna.demo import generate_participants

from .conftest import (
    PHONE,
    TEST_VILLAGE,
    ConsoleSystem,
    assert_accessible,
    register_people,
    sign_in,
    today_wita,
)

pytestmark = pytest.mark.e2e

NewContext = Callable[..., BrowserContext]


def until(check: Callable[[], Any], timeout: float = 30, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def schedule_session(system: ConsoleSystem, trainer: str, name: str, capacity: int = 20) -> str:
    api = system.api
    day = today_wita().isoformat()
    r = api.call(
        "POST",
        "training",
        "/sessions",
        api.token("operator", office="NTB"),
        key=f"session-{name}",
        json={
            "programme_code": "TENUN",
            "office": "NTB",
            "village": TEST_VILLAGE.desa,
            "district": TEST_VILLAGE.kecamatan,
            "regency_code": TEST_VILLAGE.kabupaten_code,
            "venue": f"Balai Desa {TEST_VILLAGE.desa} ({name})",
            "start_date": day,
            "end_date": day,
            "capacity": capacity,
            "trainer": trainer,
        },
    )
    assert r.status_code in (200, 201), r.text
    return str(r.json()["id"])


def test_sign_in_page_and_every_role_lands_on_its_home(
    console_system: ConsoleSystem, new_context: NewContext
) -> None:
    page = new_context().new_page()
    loaded: list[int] = []
    page.on("requestfinished", lambda r: loaded.append(r.sizes()["responseBodySize"]))
    response = page.goto("/peserta")  # no session: sent to sign-in, nothing else is served
    assert response is not None
    assert "/masuk" in page.url
    page.wait_for_load_state("networkidle")
    assert 0 < sum(loaded) < 300_000, loaded  # first load, every asset the console's own
    assert_accessible(page)
    homes = {
        ("operator", "NTB", ""): "/peserta",
        ("trainer", "", ""): "/sesi",
        ("credit_officer", "", ""): "/prakualifikasi",
        ("bank", "", "BRI"): "/pengajuan",
        ("auditor", "", ""): "/audit",
        ("admin", "", ""): "/dasbor",
    }
    for (role, office, bank), home in homes.items():
        page.context.clear_cookies()
        sign_in(page, role, office=office, bank=bank)
        assert page.url.endswith(home), (role, page.url)
        expect(page.locator("h1")).to_be_visible()
        assert_accessible(page)
    # sign-out ends the session
    page.click("button:has-text('Keluar')")
    page.goto("/audit")
    assert "/masuk" in page.url


def fill_registration(page: Page, person: dict[str, Any], nik: str) -> None:
    page.fill("#f-nik", nik)
    page.fill("#f-full_name", person["full_name"])
    page.select_option("#f-gender", person["gender"])
    page.fill("#f-birth_date", person["birth_date"])
    page.select_option("#f-marital_status", person["marital_status"])
    page.fill("#f-phone", person["phone"])
    page.fill("#f-province_code", "52")
    page.fill("#f-regency_code", person["address"]["regency_code"])
    page.fill("#f-district", person["address"]["district"])
    page.fill("#f-village", person["address"]["village"])
    page.select_option("#f-category", "pmi_purna")
    page.fill("#f-destination_country", "MY")
    page.select_option("#f-sector", "perkebunan")
    page.fill("#f-years_abroad", "4")
    page.check("#f-consent")
    page.check("#ch-sms")


def test_operator_registers_a_participant_who_reaches_training(
    console_system: ConsoleSystem, new_context: NewContext
) -> None:
    page = new_context().new_page()
    sign_in(page, "operator", office="NTB")
    page.click("text=Daftarkan peserta")
    assert_accessible(page)
    person = generate_participants(TEST_VILLAGE, random.Random(1), 9)[0]
    nik = person["nik"]

    # checked as the operator types: a short NIK is flagged before anything is sent
    page.fill("#f-nik", nik[:10])
    expect(page.locator("#c-nik")).to_contain_text("16 angka")

    # a NIK with month 13 passes the quick check; the service's 422 shows beside the field
    wrong = nik[:8] + "13" + nik[10:]
    fill_registration(page, person, wrong)
    page.click("button:has-text('Daftarkan')")
    expect(page.locator("#e-nik")).to_contain_text("month")
    expect(page.locator("#f-nik")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.fill("#f-nik", nik)
    expect(page.locator("#c-nik")).to_contain_text("belum terdaftar")
    page.click("button:has-text('Daftarkan')")
    expect(page.locator(".alert.ok")).to_contain_text("Peserta terdaftar")
    participant_id = page.url.split("/peserta/")[1].split("?")[0]
    masked = page.locator("dt:has-text('NIK') + dd").inner_text()
    assert nik not in masked and "*" in masked
    assert_accessible(page)

    # the detail page is personal data: never cached
    response = page.goto(f"/peserta/{participant_id}")
    assert response is not None and response.headers["cache-control"] == "no-store"
    # "show NIK" needs a reason; the clear NIK is shown and the read audited by registration
    page.select_option("#f-purpose", "identity_verification")
    page.click("button:has-text('Tampilkan NIK')")
    expect(page.locator("dt:has-text('NIK') + dd")).to_contain_text(nik)

    # the participant reaches training's read model: enrolling by id shows their name
    sid = schedule_session(console_system, "pelatih-daftar", "daftar")
    page.goto(f"/sesi/{sid}")

    def enrolled() -> bool:
        if page.locator("#f-participant_id").count() == 0:  # shows what the console answered
            raise AssertionError(page.locator("main").inner_text())
        page.fill("#f-participant_id", participant_id)
        page.click("button:has-text('Tambahkan')")
        return page.locator("table").get_by_text(person["full_name"]).count() == 1

    until(enrolled, 30, "training to learn of the participant")
    assert_accessible(page)


def test_trainer_records_attendance_on_a_phone_and_certificates_download(
    console_system: ConsoleSystem, new_context: NewContext
) -> None:
    api = console_system.api
    ids = register_people(api, TEST_VILLAGE, 20, index=8)
    sid = schedule_session(console_system, "pelatih-uji", "hadir")
    operator = api.token("operator", office="NTB")

    def enrol_all() -> bool:
        codes = [
            api.call(
                "POST",
                "training",
                f"/sessions/{sid}/enrollments",
                operator,
                key=f"enrol-{sid}-{pid}",
                json={"participant_id": pid},
            ).status_code
            for pid in ids
        ]
        return all(c in (200, 201) for c in codes)

    until(enrol_all, 30, "training to learn of 20 participants")

    page = new_context(PHONE).new_page()
    sign_in(page, "trainer", subject="pelatih-uji")
    assert page.viewport_size == PHONE
    page.click(f"a[href='/sesi/{sid}']")
    assert_accessible(page)
    page.click(f"a[href='/sesi/{sid}/hadir/{today_wita().isoformat()}']")
    assert_accessible(page)
    labels = page.locator(".tap-list label")
    expect(labels).to_have_count(20)
    for i in range(20):
        labels.nth(i).click()  # one tap per participant; each saves the sheet
    expect(page.locator("#tersimpan")).to_have_text("Tersimpan: 20 hadir, 0 tidak hadir.")
    sheet = api.call("GET", "training", f"/sessions/{sid}/attendance", operator).json()
    assert sorted(sheet["days"][0]["present"]) == sorted(ids)
    # the trainer may not complete the session (the training service reserves it to the office)
    page.goto(f"/sesi/{sid}")
    expect(page.locator("button:has-text('Selesaikan sesi')")).to_have_count(0)

    office = new_context().new_page()
    sign_in(office, "operator", office="NTB")
    office.goto(f"/sesi/{sid}")
    office.click("button:has-text('Selesaikan sesi')")
    expect(office.locator("table").get_by_text("Lulus", exact=True)).to_have_count(20)
    assert_accessible(office)
    with office.expect_download() as first:
        office.locator("a:has-text('PDF')").first.click()
    pdf = first.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    with office.expect_download() as everything:
        office.click("text=Unduh semua sertifikat")
    with zipfile.ZipFile(io.BytesIO(everything.value.path().read_bytes())) as archive:
        names = archive.namelist()
        assert len(names) == 20
        assert all(archive.read(n).startswith(b"%PDF") for n in names)


def test_bank_decides_its_application_and_another_bank_does_not_see_it(
    console_system: ConsoleSystem, new_context: NewContext
) -> None:
    api = console_system.api
    year = today_wita().year
    admin, officer = api.token("admin"), api.token("credit_officer")
    r = api.call("PUT", "credit", f"/allocations/{year}", admin, json={"total": 10_000_000_000})
    assert r.status_code == 200, r.text
    found = api.call(
        "GET", "credit", "/prequalifications", officer, params={"result": "prequalified"}
    ).json()["items"]
    pq = next(p for p in found if p["may_apply"])
    r = api.call(
        "POST",
        "credit",
        "/applications",
        officer,
        key=f"app-{pq['id']}",
        json={
            "participant_id": pq["participant_id"],
            "prequalification_id": pq["id"],
            "amount": min(10_000_000, pq["max_plafond"]),
            "tenor_months": 12,
            "purpose": "modal_kerja",
            "bank": "BRI",
            "business_description": "Usaha tenun songket",
        },
    )
    assert r.status_code in (200, 201), r.text
    application = r.json()
    assert application["status"] == "reserved"

    page = new_context().new_page()
    sign_in(page, "bank", bank="BRI")
    page.click(f"a[href='/pengajuan/{application['id']}']")
    assert_accessible(page)
    page.check("#d-approve")
    page.fill("#f-amount", "9000000")
    page.click("button:has-text('Simpan keputusan')")
    expect(page.locator("dt:has-text('Status') + dd")).to_contain_text("Disetujui")
    page.click("button:has-text('Catat pencairan')")
    expect(page.locator("dt:has-text('Status') + dd")).to_contain_text("Dicairkan")
    assert_accessible(page)

    other = new_context().new_page()
    sign_in(other, "bank", bank="BNI")
    expect(other.locator(f"a[href='/pengajuan/{application['id']}']")).to_have_count(0)
    response = other.goto(f"/pengajuan/{application['id']}")
    assert response is not None and response.status == 404
    expect(other.locator("h1")).to_have_text("Tidak ditemukan")
    assert_accessible(other)


def test_dashboard_shows_the_demo_funnel_as_the_demo_counted_it(
    console_system: ConsoleSystem, new_context: NewContext
) -> None:
    (demo,) = console_system.demo
    page = new_context().new_page()
    sign_in(page, "admin")
    response = page.goto("/dasbor")
    assert response is not None and response.status == 200, page.locator("main").inner_text()
    row = page.locator("#corong tbody tr", has=page.locator(f"th:text-is('{demo.training.desa}')"))
    assert row.count() == 1, page.locator("main").inner_text()
    figures = {
        stage: row.locator(f"td[data-stage={stage}]").inner_text()
        for stage in ("registered", "enrolled", "completed", "prequalified")
    }
    assert figures == {
        "registered": str(len(demo.participant_ids)),
        "enrolled": str(demo.enrolled),
        "completed": str(demo.completed),
        "prequalified": str(demo.prequalified),
    }
    assert_accessible(page)
    with page.expect_download() as csv_file:
        page.click("text=Unduh CSV")
    text = csv_file.value.path().read_text()
    assert (
        f"{demo.training.desa},5202,TENUN,{len(demo.participant_ids)},{demo.enrolled},"
        f"{demo.completed},{demo.prequalified}" in text
    )


def test_every_other_page_is_accessible(
    console_system: ConsoleSystem, new_context: NewContext
) -> None:
    api = console_system.api
    page = new_context(PHONE).new_page()
    sign_in(page, "operator", office="NTB")
    campaigns = api.call("GET", "registration", "/campaigns", api.token("admin")).json()
    for path in (
        "/kampanye",
        f"/kampanye/{campaigns['items'][0]['id']}",
        "/program",
        "/akun",
        "/sesi",
        "/impor",
        "/peserta?nama=a",
    ):
        page.goto(path)
        assert_accessible(page)
        # usable on a 360 px phone: nothing wider than the screen (tables scroll in place)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    page.context.clear_cookies()
    sign_in(page, "credit_officer")
    first = api.call("GET", "credit", "/prequalifications", api.token("admin")).json()["items"][0]
    for path in (
        "/prakualifikasi?hasil=antrean",
        f"/prakualifikasi/{first['id']}",
        "/pengajuan",
        "/alokasi",
        "/dasbor",
        "/tidak-ada",
    ):
        page.goto(path)
        assert_accessible(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path


def test_operator_imports_a_spreadsheet_and_downloads_the_row_report(
    console_system: ConsoleSystem, new_context: NewContext
) -> None:
    good, bad = generate_participants(TEST_VILLAGE, random.Random(3), 6)[:2]
    columns = [
        "nik", "full_name", "gender", "birth_date", "marital_status", "phone", "province_code",
        "regency_code", "district", "village", "category", "destination_country", "sector",
        "years_abroad", "consent_granted", "consent_channels",
    ]  # fmt: skip

    def line(person: dict[str, Any], nik: str) -> str:
        cells = {
            **person,
            **person["address"],
            "nik": nik,
            "category": "pmi_purna",
            "destination_country": "MY",
            "sector": "perkebunan",
            "years_abroad": "3",
            "consent_granted": "ya",
            "consent_channels": "sms",
        }
        return ",".join(str(cells[c]) for c in columns)

    wrong = bad["nik"][:8] + "13" + bad["nik"][10:]  # month 13
    data = "\n".join([",".join(columns), line(good, good["nik"]), line(bad, wrong)]) + "\n"

    page = new_context().new_page()
    sign_in(page, "operator", office="NTB")
    page.goto("/impor")
    assert_accessible(page)
    page.set_input_files(
        "#f-file", files=[{"name": "peserta.csv", "mimeType": "text/csv", "buffer": data.encode()}]
    )
    page.click("button:has-text('Unggah')")
    # the progress fragment is polled until the worker has gone through the file
    expect(page.locator("#kemajuan")).to_contain_text("Status: Selesai", timeout=60_000)
    expect(page.locator("#kemajuan")).to_contain_text("1 terdaftar · 1 tidak valid")
    assert_accessible(page)
    with page.expect_download() as report:
        page.click("text=Unduh laporan baris")
    text = report.value.path().read_text()
    assert text.splitlines()[0] == "baris,kolom,jenis,pesan,id_peserta_yang_ada"
    assert text.splitlines()[1].startswith("3,nik,invalid,")
    assert wrong not in text  # the report names the row, never the NIK


def test_a_service_down_shows_which_part_while_the_rest_works(
    console_system: ConsoleSystem, new_context: NewContext
) -> None:
    system = console_system.system
    credit = system.child("credit-api")
    credit.stop()
    credit.wait(10)
    try:
        page = new_context().new_page()
        sign_in(page, "admin")
        page.goto("/dasbor")
        expect(page.locator(".alert.warn").first).to_contain_text("kredit")
        expect(page.locator("#corong tbody tr").first).to_be_visible()  # training still shows
        response = page.goto("/pengajuan")
        assert response is not None and response.status == 503
        expect(page.locator(".alert")).to_contain_text("layanan kredit (KUR)")
        page.goto("/peserta")
        expect(page.locator("h1")).to_have_text("Peserta")
    finally:
        system.check_children()  # restarts the stopped api
        system.wait_ready(timeout=60)
