"""HTTP plumbing every Purna API shares: the app factory, problem+json errors, bearer auth,
request context and ``Idempotency-Key`` support.

Import from the submodules (``purna_shared.http.app``, ``.auth``, ``.problems``,
``.idempotency``, ``.context``); this package deliberately imports nothing so that light users
(``purna_shared.logging`` reads :mod:`.context`) don't pull in FastAPI.
"""
