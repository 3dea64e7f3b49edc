"""Pulling submissions from ODK Central with pyodk (the ODK project's own client)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # pyodk is loaded when Central is first asked (it is slow to import)
    from pyodk._utils.config import Config
    from pyodk.client import Client


class SubmissionSource(Protocol):
    """Where submissions of a form come from: ``rows(form_id)`` gives OData rows."""

    def rows(self, project_id: int, form_id: str) -> list[dict[str, Any]]: ...


class OdkCentral:
    """ODK Central over HTTP through pyodk: ``Submissions`` table of a form, page by page."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        page_size: int = 250,
        client_factory: Callable[[Config], Client] | None = None,
    ) -> None:
        self._credentials = (base_url, username, password)
        self._page = page_size
        self._factory = client_factory or _pyodk_client

    def _config(self) -> Config:
        from pyodk._utils.config import CentralConfig, Config

        return Config(central=CentralConfig(*self._credentials))

    def rows(self, project_id: int, form_id: str) -> list[dict[str, Any]]:
        client = self._factory(self._config())
        out: list[dict[str, Any]] = []
        skip = 0
        while True:
            page = client.submissions.get_table(
                form_id=form_id, project_id=project_id, skip=skip, top=self._page, count=True
            )
            values = list(page.get("value", []))
            out.extend(values)
            skip += len(values)
            if not values or skip >= int(page.get("@odata.count", skip)):
                return out


def _pyodk_client(config: Config) -> Client:
    from pyodk.client import Client

    return Client(config=config)
