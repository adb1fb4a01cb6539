"""Settings from the environment (JIESU_*) with development defaults."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "jiesu-development-secret-change-me"


class Settings(BaseSettings):
    """Every setting is documented in docs/settings.md (a test checks it)."""

    model_config = SettingsConfigDict(env_prefix="JIESU_", env_file=".env", extra="ignore")

    environment: str = Field("development", description="development, test or production")
    database_url: str = Field("sqlite:///./jiesu.db", description="SQLAlchemy URL of the database")
    secret_key: str = Field(DEV_SECRET, description="signs tokens and sessions; set in production")
    timezone: str = Field("Asia/Shanghai", description="the city's time zone")
    count_from_next_day: bool = Field(True, description="working-day counting starts next day")
    token_ttl_hours: int = Field(12, description="lifetime of API bearer tokens")
    sweep_interval_seconds: int = Field(60, description="how often `serve` runs the sweeper")
    auto_dispatch_enabled: bool = Field(True, description="auto-dispatch above model threshold")
    model_dir: Path = Field(Path("var/models"), description="classifier model registry")
    db_pool_size: int = Field(10, description="connections per app process (PostgreSQL)")
    request_threads: int = Field(
        8, ge=1, le=200,
        description="threads per app process that run request handlers (they wait on the "
                    "database); more lets slow pages overlap, fewer wastes less CPU on "
                    "switching between Python threads")
    city_name: str = Field("示范市", description="name shown on pages and reports")
    survey_token_days: int = Field(7, description="days an online follow-up survey link is valid")
    rating_window_days: int = Field(7, description="days a requester has to rate a closed appeal")
    rating_default_stars: int | None = Field(
        None, description="stars given when the rating window passes (unset: no default rating)")
    hotspot_window_days: int = Field(
        7, ge=1, le=90,
        description="days of appeals clustered into hotspots (热点预警); the later half of the "
                    "window against the earlier half is a hotspot's growth")
    upload_dir: Path = Field(Path("var/uploads"),
                             description="where photos attached on the web pages are stored")

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("JIESU_SECRET_KEY must be set to a real secret in production")
        return self

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
