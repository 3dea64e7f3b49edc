"""Bulk intake: an uploaded spreadsheet becomes participants, row by row, in the worker.

Design (robust across restarts and scale-out):

* ``POST /imports`` checks the header (and, for CSV, the encoding and the row count), then
  stores the file itself in the database (``import_file_chunks``, 1 MiB pieces) with a
  ``pending`` job, in one transaction. The API stays stateless: any replica can take uploads.
* Workers claim jobs with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL). Rows are
  processed in chunks (``import_chunk_rows``, default 500); each chunk commits its
  participants, their ``ParticipantRegistered`` outbox rows, its row errors and the job's
  progress (``last_row``) in one transaction, after re-checking the lease.
* A worker that dies loses its lease after ``import_lease_ms``; the next one resumes after
  ``last_row``. Nothing is done twice: progress and effects commit together, and the NIK's
  unique digest stops any second registration whatever happens.
* Memory stays flat: the file is spooled from the database to a temporary file, read one row
  at a time, and only one chunk is held. In-file duplicates are found through the database
  (a participant remembers the job and row that created it), not a growing in-memory set.
* When the job ends the stored file is deleted: it holds NIKs in clear.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, Literal

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from purna_shared.clock import local_date
from purna_shared.unit_of_work import Cause, UnitOfWorkFactory

from ..adapters import repository as repo
from ..adapters.nik_vault import NikVault
from ..adapters.orm import import_file_chunks, import_jobs, import_row_errors
from ..adapters.spreadsheet import FileFormat, SpreadsheetError, open_rows, xlsx_row_estimate
from ..domain.errors import ValidationFailed
from ..domain.imports import (
    HeaderError,
    RowError,
    already_registered,
    duplicate_in_file,
    is_blank,
    normalise_header,
    parse_row,
)
from ..domain.participant import Participant, Registration
from ..settings import RegistrationSettings
from . import audit, events
from .actor import Actor
from .participants import NotFound, listing_office, new_id
from .unit_of_work import RegistrationUnitOfWork

log = logging.getLogger(__name__)

JobStatus = Literal["pending", "running", "completed", "failed"]
ErrorKind = Literal["invalid", "duplicate_in_file", "already_registered"]
FILE_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class ImportJob:
    id: str
    office: str
    campaign_id: str | None
    filename: str
    file_format: FileFormat
    size_bytes: int
    status: JobStatus
    failure: str | None
    rows_total: int | None
    last_row: int
    rows_processed: int
    rows_registered: int
    rows_invalid: int
    rows_duplicate: int
    created_at: datetime
    created_by: str
    created_by_role: str
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReportedError:
    row: int
    field: str
    kind: ErrorKind
    message: str
    participant_id: str | None


def _job(row: Any) -> ImportJob:
    m = dict(row._mapping)
    for key in ("created_at", "started_at", "finished_at"):
        if m[key] is not None:
            m[key] = repo.as_utc(m[key])
    return ImportJob(**{k: m[k] for k in ImportJob.__dataclass_fields__})


# -- upload ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UploadCheck:
    file_format: FileFormat
    rows_total: int | None


def inspect_upload(path: Path, file_format: FileFormat, max_rows: int) -> UploadCheck:
    """Refuse a file early (blocking; run in a thread): unreadable, wrong header, too long.
    CSV is read through once to prove it is UTF-8 and to count its rows; an XLSX's count is
    taken from its stored dimension."""
    with open_rows(path, file_format) as rows:
        first = next(rows, None)
        if first is None:
            raise HeaderError("the file is empty: the first row must be the template's header")
        normalise_header(first[1])
        if file_format == "xlsx":
            # Only an estimate (a sheet formatted to its last row claims a million rows): it
            # shows progress; the row limit is enforced on the rows actually read.
            total = xlsx_row_estimate(path)
            return UploadCheck(
                file_format, total if total is not None and total <= max_rows else None
            )
        total = sum(1 for _, cells in rows if not is_blank(cells))
    if total > max_rows:
        raise HeaderError(f"the file has {total} rows; at most {max_rows} per import")
    return UploadCheck(file_format, total)


async def create_job(
    uow: RegistrationUnitOfWork,
    file: IO[bytes],
    *,
    filename: str,
    check: UploadCheck,
    size_bytes: int,
    office: str,
    campaign_id: str | None,
    actor: Actor,
) -> ImportJob:
    """Store the upload and a pending job in the caller's transaction."""
    session = uow.session
    if campaign_id is not None:
        campaign = await repo.get_campaign(session, campaign_id)
        if campaign is None:
            raise ValidationFailed.single("campaign_id", "no campaign has this id")
        if campaign.office != office:
            raise ValidationFailed.single(
                "campaign_id", f"the campaign belongs to office {campaign.office}, not {office}"
            )
    job_id = new_id()
    values = {
        "id": job_id,
        "office": office,
        "campaign_id": campaign_id,
        "filename": filename[:255],
        "file_format": check.file_format,
        "size_bytes": size_bytes,
        "status": "pending",
        "failure": None,
        "rows_total": check.rows_total,
        "last_row": 1,
        "rows_processed": 0,
        "rows_registered": 0,
        "rows_invalid": 0,
        "rows_duplicate": 0,
        "created_at": uow.now,
        "created_by": actor.subject,
        "created_by_role": actor.main_role,
        "started_at": None,
        "finished_at": None,
    }
    await session.execute(import_jobs.insert().values(values))
    file.seek(0)
    seq = 0
    while block := await asyncio.to_thread(file.read, FILE_CHUNK_BYTES):
        await session.execute(
            import_file_chunks.insert().values(job_id=job_id, seq=seq, data=block)
        )
        seq += 1
    row = (await session.execute(select(import_jobs).where(import_jobs.c.id == job_id))).one()
    return _job(row)


# -- reading -----------------------------------------------------------------------------------


async def get_job(session: AsyncSession, job_id: str, actor: Actor) -> ImportJob:
    row = (
        await session.execute(select(import_jobs).where(import_jobs.c.id == job_id))
    ).one_or_none()
    if row is None:
        raise NotFound(job_id)
    job = _job(row)
    scope = listing_office(actor, None)
    if scope is not None and scope.casefold() != job.office.casefold():
        raise NotFound(job_id)
    return job


async def list_jobs(
    session: AsyncSession, actor: Actor, *, limit: int, offset: int
) -> tuple[list[ImportJob], int]:
    office = listing_office(actor, None)
    query, count = select(import_jobs), select(func.count()).select_from(import_jobs)
    if office is not None:
        query = query.where(import_jobs.c.office == office)
        count = count.where(import_jobs.c.office == office)
    total = (await session.execute(count)).scalar_one()
    rows = await session.execute(
        query.order_by(import_jobs.c.created_at.desc(), import_jobs.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [_job(r) for r in rows], int(total)


async def job_errors(
    session: AsyncSession, job_id: str, *, limit: int, offset: int
) -> tuple[list[ReportedError], int]:
    t = import_row_errors.c
    total = (await session.execute(select(func.count()).where(t.job_id == job_id))).scalar_one()
    rows = await session.execute(
        select(t.row, t.field, t.kind, t.message, t.participant_id)
        .where(t.job_id == job_id)
        .order_by(t.row, t.id)
        .limit(limit)
        .offset(offset)
    )
    return [ReportedError(r.row, r.field, r.kind, r.message, r.participant_id) for r in rows], int(
        total
    )


# -- processing --------------------------------------------------------------------------------


class LeaseLost(Exception):  # noqa: N818
    """Another worker took the job over (this one stalled past its lease)."""


@dataclass
class _Candidate:
    row: int
    registration: Registration
    digest: str


@dataclass
class _ChunkPlan:
    """What one chunk of rows comes to before touching the database (computed off-loop)."""

    last_row: int
    processed: int = 0
    errors: list[tuple[RowError, ErrorKind, str | None]] = field(default_factory=list)
    invalid_rows: set[int] = field(default_factory=set)
    duplicates: int = 0
    candidates: list[_Candidate] = field(default_factory=list)


def _plan_chunk(
    rows: Sequence[tuple[int, list[str]]],
    header: Sequence[str],
    *,
    office: str,
    campaign_id: str | None,
    today: Any,
    vault: NikVault,
    last_row: int,
) -> _ChunkPlan:
    plan = _ChunkPlan(last_row=last_row)
    first_row_of: dict[str, int] = {}
    width = len(header)
    for number, cells in rows:
        plan.last_row = number
        if is_blank(cells):
            continue
        plan.processed += 1
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            plan.errors.append(
                (
                    RowError(number, "row", f"has values beyond the {width} header columns"),
                    "invalid",
                    None,
                )
            )
            plan.invalid_rows.add(number)
            continue
        result = parse_row(
            number,
            dict(zip(header, cells, strict=False)),
            office=office,
            campaign_id=campaign_id,
            today=today,
        )
        if isinstance(result, list):
            plan.errors.extend((e, "invalid", None) for e in result)
            plan.invalid_rows.add(number)
            continue
        digest = vault.digest(result.nik.value)
        if digest in first_row_of:
            plan.errors.append(
                (
                    RowError(number, "nik", duplicate_in_file(first_row_of[digest])),
                    "duplicate_in_file",
                    None,
                )
            )
            plan.duplicates += 1
            continue
        first_row_of[digest] = number
        plan.candidates.append(_Candidate(number, result, digest))
    return plan


class ImportRunner:
    """Claims pending or abandoned jobs and processes them; one per worker process."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        unit_of_work: UnitOfWorkFactory[RegistrationUnitOfWork],
        vault: NikVault,
        settings: RegistrationSettings,
        owner: str | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._unit_of_work = unit_of_work
        self._vault = vault
        self._settings = settings
        self._clock = unit_of_work.clock
        self.owner = owner or settings.consumer_name
        self._lease = timedelta(milliseconds=settings.import_lease_ms)

    async def run(self) -> None:
        """Process jobs until cancelled; database outages are waited out."""
        poll = self._settings.import_poll_ms / 1000
        backoff = poll
        while True:
            try:
                if await self.process_next():
                    backoff = poll
                    continue
            except (SQLAlchemyError, OSError) as exc:
                log.warning("import runner: database unavailable", extra={"error": str(exc)})
                backoff = min(backoff * 2, 10.0)
                await asyncio.sleep(backoff)
                continue
            await asyncio.sleep(poll)

    async def run_until_idle(self) -> int:
        """Process every claimable job, then return how many were processed."""
        done = 0
        while await self.process_next():
            done += 1
        return done

    async def process_next(self) -> bool:
        job = await self.claim()
        if job is None:
            return False
        try:
            await self.process(job)
        except LeaseLost:
            log.warning("import job taken over by another worker", extra={"import_id": job.id})
        except BaseException:
            # Cancelled (shutdown) or failed: let another worker resume at once.
            with contextlib.suppress(Exception):
                await asyncio.shield(self._release(job.id))
            raise
        return True

    async def claim(self) -> ImportJob | None:
        now = self._clock.now()
        async with self._sessionmaker() as session, session.begin():
            job_id = (
                await session.execute(
                    select(import_jobs.c.id)
                    .where(
                        import_jobs.c.status.in_(("pending", "running")),
                        or_(
                            import_jobs.c.lease_expires_at.is_(None),
                            import_jobs.c.lease_expires_at < now,
                        ),
                    )
                    .order_by(import_jobs.c.created_at)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
            ).scalar_one_or_none()
            if job_id is None:
                return None
            await session.execute(
                update(import_jobs)
                .where(import_jobs.c.id == job_id)
                .values(
                    status="running",
                    lease_owner=self.owner,
                    lease_expires_at=now + self._lease,
                    started_at=func.coalesce(import_jobs.c.started_at, now),
                )
            )
            row = (
                await session.execute(select(import_jobs).where(import_jobs.c.id == job_id))
            ).one()
        job = _job(row)
        log.info(
            "import job claimed",
            extra={"import_id": job.id, "resume_after_row": job.last_row},
        )
        return job

    async def _release(self, job_id: str) -> None:
        async with self._sessionmaker() as session, session.begin():
            await session.execute(
                update(import_jobs)
                .where(import_jobs.c.id == job_id, import_jobs.c.lease_owner == self.owner)
                .values(lease_owner=None, lease_expires_at=None)
            )

    async def process(self, job: ImportJob) -> None:
        with tempfile.TemporaryDirectory(prefix="purna-import-") as folder:
            path = Path(folder) / f"upload.{job.file_format}"
            await self._spool(job.id, path)
            try:
                await self._process_file(job, path)
            except (SpreadsheetError, HeaderError) as exc:
                await self._finish(job.id, failure=str(exc))
                log.warning("import job failed", extra={"import_id": job.id, "error": str(exc)})
                return
        await self._finish(job.id, failure=None)
        log.info("import job completed", extra={"import_id": job.id})

    async def _spool(self, job_id: str, path: Path) -> None:
        """Copy the stored upload to a local file one chunk at a time."""
        with path.open("wb") as out:
            seq = 0
            while True:
                async with self._sessionmaker() as session:
                    block = (
                        await session.execute(
                            select(import_file_chunks.c.data).where(
                                import_file_chunks.c.job_id == job_id,
                                import_file_chunks.c.seq == seq,
                            )
                        )
                    ).scalar_one_or_none()
                if block is None:
                    return
                await asyncio.to_thread(out.write, block)
                seq += 1

    async def _process_file(self, job: ImportJob, path: Path) -> None:
        chunk_rows = self._settings.import_chunk_rows
        max_rows = self._settings.import_max_rows
        with open_rows(path, job.file_format) as rows:
            first = await asyncio.to_thread(next, rows, None)
            if first is None:
                raise HeaderError("the file is empty")
            header = normalise_header(first[1])
            processed = job.rows_processed

            def plan_next(after_row: int) -> asyncio.Task[_ChunkPlan | None]:
                return asyncio.create_task(
                    asyncio.to_thread(self._read_and_plan, rows, header, job, after_row, chunk_rows)
                )

            # Read and check the next chunk (in a thread) while this one commits: parsing is
            # CPU, committing mostly waits for PostgreSQL, so the two overlap.
            upcoming = plan_next(job.last_row)
            try:
                while (plan := await upcoming) is not None:
                    if processed + plan.processed > max_rows:
                        raise HeaderError(
                            f"the file has more than {max_rows} rows; rows up to row "
                            f"{plan.last_row - plan.processed} were processed"
                        )
                    upcoming = plan_next(plan.last_row)
                    await self._commit_chunk(job, plan)
                    processed += plan.processed
            finally:
                # Let a read in flight finish before the file closes under it (a chunk at most).
                with contextlib.suppress(BaseException):
                    await upcoming

    def _read_and_plan(
        self,
        rows: Iterator[tuple[int, list[str]]],
        header: Sequence[str],
        job: ImportJob,
        last_row: int,
        chunk_rows: int,
    ) -> _ChunkPlan | None:
        batch: list[tuple[int, list[str]]] = []
        for number, cells in rows:
            if number <= last_row:
                continue  # committed before a restart
            batch.append((number, cells))
            if len(batch) >= chunk_rows:
                break
        if not batch:
            return None
        return _plan_chunk(
            batch,
            header,
            office=job.office,
            campaign_id=job.campaign_id,
            today=local_date(self._clock.now(), self._unit_of_work.zone),
            vault=self._vault,
            last_row=last_row,
        )

    async def _commit_chunk(self, job: ImportJob, plan: _ChunkPlan) -> None:
        now = self._clock.now()
        actor = Actor(
            subject=job.created_by,
            roles=frozenset({job.created_by_role}),
            office=job.office,
            route="POST /imports",
            request_id=job.id,
        )
        participants: list[tuple[_Candidate, Participant]] = [
            (c, Participant.register(c.registration, participant_id=new_id(), now=now))
            for c in plan.candidates
        ]
        rows = [
            repo.participant_values(
                p,
                nik_digest=c.digest,
                nik_sealed=self._vault.seal(c.registration.nik.value),
                registered_by=job.created_by,
                import_job_id=job.id,
                import_row=c.row,
            )
            for c, p in participants
        ]
        errors = list(plan.errors)
        duplicates = plan.duplicates

        async def work(uow: RegistrationUnitOfWork) -> None:
            nonlocal duplicates
            session = uow.session
            # The lease check first: it also locks the job row against a concurrent taker.
            renewed = await session.execute(
                update(import_jobs)
                .where(import_jobs.c.id == job.id, import_jobs.c.lease_owner == self.owner)
                .values(lease_expires_at=now + self._lease)
            )
            if getattr(renewed, "rowcount", 0) != 1:
                raise LeaseLost(job.id)
            inserted = await repo.insert_unless_registered(session, rows)
            existing = await repo.find_by_digests(
                session, [c.digest for c, _ in participants if c.digest not in inserted]
            )
            registered: list[Participant] = []
            for candidate, participant in participants:
                if candidate.digest in inserted:
                    registered.append(participant)
                    continue
                duplicates += 1
                found = existing[candidate.digest]
                if found.import_job_id == job.id and found.import_row is not None:
                    errors.append(
                        (
                            RowError(candidate.row, "nik", duplicate_in_file(found.import_row)),
                            "duplicate_in_file",
                            found.participant_id,
                        )
                    )
                else:
                    errors.append(
                        (
                            RowError(
                                candidate.row, "nik", already_registered(found.participant_id)
                            ),
                            "already_registered",
                            found.participant_id,
                        )
                    )
            for p in registered:
                uow.collect(events.integration_events(p))
            await audit.record(
                session,
                actor,
                "registered",
                [p.id for p in registered],
                detail={"import_id": job.id},
                at=now,
            )
            if errors:
                await session.execute(
                    import_row_errors.insert(),
                    [
                        {
                            "job_id": job.id,
                            "row": e.row,
                            "field": e.field[:64],
                            "kind": kind,
                            "message": e.message,
                            "participant_id": pid,
                        }
                        for e, kind, pid in errors
                    ],
                )
            await session.execute(
                update(import_jobs)
                .where(import_jobs.c.id == job.id)
                .values(
                    last_row=plan.last_row,
                    rows_processed=import_jobs.c.rows_processed + plan.processed,
                    rows_registered=import_jobs.c.rows_registered + len(registered),
                    rows_invalid=import_jobs.c.rows_invalid + len(plan.invalid_rows),
                    rows_duplicate=import_jobs.c.rows_duplicate + duplicates,
                )
            )

        # The job's events are correlated with the job: one chain per import.
        await self._unit_of_work.run(self._sessionmaker, work, cause=Cause(job.id))

    async def _finish(self, job_id: str, *, failure: str | None) -> None:
        async with self._sessionmaker() as session, session.begin():
            await session.execute(
                update(import_jobs)
                .where(import_jobs.c.id == job_id, import_jobs.c.lease_owner == self.owner)
                .values(
                    status="failed" if failure else "completed",
                    failure=failure,
                    rows_total=import_jobs.c.rows_processed,
                    finished_at=self._clock.now(),
                    lease_owner=None,
                    lease_expires_at=None,
                )
            )
            # The upload holds NIKs in clear; the results are in the tables now.
            await session.execute(
                delete(import_file_chunks).where(import_file_chunks.c.job_id == job_id)
            )
