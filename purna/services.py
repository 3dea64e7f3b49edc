"""The four services as the runner and tools see them: name, port, settings, migrations; and the
console, a web app over their APIs (no database, no worker)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from purna_shared.settings import PurnaSettings


@dataclass(frozen=True)
class Service:
    name: str
    port: int

    @property
    def package(self) -> str:
        return f"purna_{self.name}"

    @property
    def api_module(self) -> str:
        return f"{self.package}.entrypoints.api"

    @property
    def worker_module(self) -> str:
        return f"{self.package}.entrypoints.worker"

    @property
    def env_prefix(self) -> str:
        return f"{self.name.upper()}_"

    def migrations_dir(self) -> Path:
        orm = importlib.import_module(f"{self.package}.adapters.orm")
        return Path(orm.MIGRATIONS_DIR)

    def settings(self) -> PurnaSettings:
        module = importlib.import_module(f"{self.package}.settings")
        cls = next(
            obj
            for obj in vars(module).values()
            if isinstance(obj, type)
            and issubclass(obj, PurnaSettings)
            and obj is not PurnaSettings
            and getattr(obj, "service", None) == self.name
        )
        return cls()


SERVICES = (
    Service("registration", 8001),
    Service("training", 8002),
    Service("credit", 8003),
    Service("notification", 8004),
)

#: the web console: started by ``purna run`` after the services, on their APIs
CONSOLE = Service("console", 8080)
