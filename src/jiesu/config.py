"""Settings from the environment (JIESU_*) with development defaults."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from jiesu.domain import retention
from jiesu.domain.appeal import PUBLISHED_STATUSES

DEV_SECRET = "jiesu-development-secret-change-me"
# secrets.token_urlsafe(32) gives 43 characters; a shorter key is a placeholder or a word
MIN_SECRET_LENGTH = 32
# the longest spacing between two unanswered follow-up calls: the next day's call; longer, and
# the follow-up (due 1 working day after the reply) is late before the second try
FOLLOWUP_RETRY_MAX_MINUTES = 1440


class Settings(BaseSettings):
    """Every setting is documented in docs/settings.md (a test checks it)."""

    model_config = SettingsConfigDict(env_prefix="JIESU_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        "development", description="development, test or production")
    database_url: str = Field("sqlite:///./jiesu.db", description="SQLAlchemy URL of the database")
    secret_key: str = Field(DEV_SECRET, description="signs tokens and sessions; required in "
                            "production, at least 32 characters")
    timezone: str = Field("Asia/Shanghai", description="the city's time zone")
    count_from_next_day: bool = Field(True, description="working-day counting starts next day")
    token_ttl_hours: int = Field(12, ge=1, le=8760, description="lifetime of API bearer tokens")
    sweep_interval_seconds: int = Field(60, ge=1, le=86400,
                                        description="how often `serve` runs the sweeper")
    audit_verify_hours: int = Field(
        24, ge=0, le=8760,
        description="the periodic jobs verify every hash chain and anchor of the audit log "
                    "(审计链校验) once in this many hours, in one process at a time, and record "
                    "the result for the auditor's page; 0: never (run `jiesu audit verify` "
                    "from cron instead)")
    auto_dispatch_enabled: bool = Field(True, description="auto-dispatch above model threshold")
    unit_preselect_confidence: float = Field(
        0.5, ge=0, le=1,
        description="the dispatch forms (the dispatcher's queue, the appeal page) preselect "
                    "intake's suggested lead unit only at or above this confidence: a routing "
                    "rule is 1.0; history is the unit's share of the category's closed appeals, "
                    "scaled down below 20 of them (0.5: e.g. 10 of 10, or 10 of 20). Below it "
                    "the suggestion is shown as 参考 N% and no unit is picked; auto-dispatch "
                    "needs 0.8")
    model_dir: Path = Field(Path("var/models"), description="classifier model registry")
    db_pool_size: int = Field(10, ge=1, le=1000,
                              description="connections per app process (PostgreSQL)")
    request_threads: int = Field(
        8, ge=1, le=200,
        description="threads per app process that run request handlers (they wait on the "
                    "database); more lets slow pages overlap, fewer wastes less CPU on "
                    "switching between Python threads")
    city_name: str = Field("示范市", description="name shown on pages and reports")
    notify_requesters: bool = Field(
        True, description="text the requester (SMS) when the appeal is registered, rejected, "
                          "merged, replied to or reopened")
    notify_units_on_dispatch: Literal["urgent", "all", "none"] = Field(
        "urgent",
        description="text the duty phone of the unit an appeal is dispatched (or passed on) to, "
                    "at once: urgent = 紧急 and 特急 appeals only, whose signing limits (2 hours, "
                    "30 minutes) leave no time to wait for someone to open the inbox; all; none")
    notify_liaisons: bool = Field(
        True, description="text an enterprise's 精准帮扶 liaison (the mobile phone on their user "
                          "account) when one of its 涉企诉求 is registered (not imported ones) "
                          "and when its handling deadline passes (red, with the automatic 督办)")
    board_publish: Literal["accepted", "closed"] = Field(
        "accepted",
        description="when an appeal is published (公示) on the board, in open data and Open311: "
                    "accepted = once dispatched (派单) or answered; closed = only once 办结. Never "
                    "while only registered, nor when rejected (不予受理), merged, a 举报 or "
                    "confidential; Open311 answers an unpublished one by id with its status only "
                    "(a 举报 or confidential one not at all)")
    public_base_url: str = Field("", description="the site's public address, e.g. "
                                 "https://12345.example.gov.cn, put before links in SMS; unset: "
                                 "the links are paths only")
    followup_retry_minutes: int = Field(
        120, ge=0, le=FOLLOWUP_RETRY_MAX_MINUTES,
        description="least minutes between two follow-up calls that reached nobody (未联系上), "
                    "so the attempts are made at different times; 0: no spacing. The default "
                    "of the rule setting 回访重拨间隔 `followup_retry_minutes`, which an "
                    "administrator changes at run time (below)")
    survey_token_days: int = Field(7, ge=1, le=365,
                                   description="days an online follow-up survey link is valid")
    rating_window_days: int = Field(
        7, ge=1, le=365,
        description="days a requester has to rate a closed appeal, counted from its closing "
                    "(办结); a later rating is refused (评价期限已过), and the default rating, if "
                    "set, is given then. Service-item ratings have no window")
    item_rating_interval_hours: int = Field(
        24, ge=0, le=24 * 365,
        description="hours before one phone may rate the same service item (服务事项) again: "
                    "each bad rating opens a 整改 for the unit, so one person cannot open many; "
                    "0 = no limit")
    item_ratings_per_address: int = Field(
        60, ge=0, le=100_000,
        description="ratings of one service item (服务事项) taken from one client address within "
                    "an hour (the page and the API); generous, as a service hall's residents "
                    "share one address (its Wi-Fi); 0: no limit")
    rating_default_stars: int | None = Field(
        None, ge=1, le=5,
        description="stars given when the rating window passes (unset: no default rating)")
    hotspot_window_days: int = Field(
        7, ge=1, le=90,
        description="days of appeals clustered into hotspots (热点预警); the later half of the "
                    "window against the earlier half is a hotspot's growth")
    hotspot_alert_people: int = Field(
        5, ge=0, le=100_000,
        description="the periodic jobs text a hotspot warning (热点预警) once, when a hotspot "
                    "has this many different requesters: to the duty phone of its area's unit "
                    "(or the nearest unit above it with one) and to JIESU_HOTSPOT_ALERT_PHONES; "
                    "0: no warnings are texted (the hotspots page still lists them)")
    hotspot_alert_phones: str = Field(
        "", description="phones, separated by commas, that get every hotspot warning as well, "
                        "e.g. the 12345 centre's duty leader")
    upload_dir: Path = Field(Path("var/uploads"),
                             description="where photos attached on the web pages are stored")
    # notifications (docs/operations.md, "Notifications"): an unset channel only logs
    sms_url: str = Field("", description="SMS gateway URL: POST JSON {\"phone\", \"text\"} "
                         "(a bridge to the city's SMS provider); unset: SMS are only logged")
    sms_token: SecretStr | None = Field(None, description="bearer token sent to the SMS gateway")
    webhook_url: str = Field("", description="URL that receives every webhook message as JSON; "
                             "unset: webhook messages are only logged")
    webhook_secret: SecretStr | None = Field(
        None, description="HMAC-SHA256 key of the X-Jiesu-Signature header (required in "
                          "production when JIESU_WEBHOOK_URL is set)")
    smtp_host: str = Field("", description="SMTP server for e-mail; unset: e-mail is only logged")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port")
    smtp_user: str = Field("", description="SMTP login (unset: no login)")
    smtp_password: SecretStr | None = Field(None, description="SMTP password")
    smtp_from: str = Field("", description="From address of e-mail (required with JIESU_SMTP_HOST)")
    smtp_starttls: bool = Field(True, description="upgrade the SMTP connection with STARTTLS")
    smtp_ca_file: Path | None = Field(
        None, description="CA certificates (PEM) to verify the SMTP server with, for a private "
        "CA; unset: the system's trusted CAs")
    notify_max_attempts: int = Field(
        5, ge=1, le=30, description="attempts per message before it is marked failed (retries "
                                    "wait 1, 2, 4, 8 … minutes, at most an hour)")
    notify_keep_days: int = Field(
        90, ge=1, le=3650,
        description="sent messages are deleted from the notification outbox after this many "
                    "days (failed ones stay for the administrator)")
    notify_timeout_seconds: float = Field(
        10.0, gt=0, le=120, description="how long one SMS, webhook or SMTP call may take")
    policy_review_days: int = Field(
        10, ge=1, le=250, description="working days the issuing unit has to decide an "
                                      "enterprise's application for a policy (申报审核)")
    submit_per_phone: int = Field(
        3, ge=0, le=1000, description="appeals the public form (/submit) takes from one phone "
                                      "number within 15 minutes; 0: no limit")
    submit_per_address: int = Field(
        10, ge=0, le=100_000, description="appeals the public form takes from one client address "
                                          "within 15 minutes; 0: no limit")
    personal_data_days: int = Field(
        0, ge=0, le=36_500,
        description="个人信息保存期限: days after an appeal ended (办结, 不予受理 or 合并) after "
                    "which the periodic jobs erase its requester's name, phone number and photos "
                    "and de-identify its texts (docs/operations.md, \"Personal data "
                    "retention\"); at least 180 and at least JIESU_RATING_WINDOW_DAYS + 90; "
                    "0: kept (turning erasure on is the city's decision)")

    @field_validator("rating_default_stars", "smtp_ca_file", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        # The documented default of these is empty: `JIESU_SMTP_CA_FILE=` in a .env means unset,
        # not the current directory (which then failed every e-mail) nor a number parse error.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("须为 IANA 时区名，例如 Asia/Shanghai") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        scheme = value.partition(":")[0].partition("+")[0].lower()
        if "://" not in value or scheme not in ("sqlite", "postgres", "postgresql"):
            raise ValueError("须为 sqlite:///文件路径 或 postgresql://用户@主机/数据库"
                             "（jiesu 只支持 SQLite 和 PostgreSQL）")
        return value

    @field_validator("smtp_ca_file")
    @classmethod
    def _ca_file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError("须为一个存在的 PEM 文件")
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "production":
            problem = _secret_key_problem(self.secret_key, "secret_key" in self.model_fields_set)
            if problem:
                raise ValueError(
                    f"生产环境的 JIESU_SECRET_KEY {problem}，须为至少 {MIN_SECRET_LENGTH} 个字符"
                    "的随机值（python3 -c \"import secrets; print(secrets.token_urlsafe(32))\" "
                    "生成一次并保存，各进程用同一个值）")
        return self

    @model_validator(mode="after")
    def _refuse_half_configured_notifications(self) -> Settings:
        if self.smtp_host and "@" not in self.smtp_from:
            raise ValueError("JIESU_SMTP_FROM must be an e-mail address when JIESU_SMTP_HOST "
                             "is set")
        if self.environment == "production" and self.webhook_url and not self.webhook_secret:
            raise ValueError("JIESU_WEBHOOK_SECRET must be set when JIESU_WEBHOOK_URL is, in "
                             "production (receivers check the signature)")
        return self

    @model_validator(mode="after")
    def _refuse_short_retention(self) -> Settings:
        days, floor = self.personal_data_days, retention.minimum_days(self.rating_window_days)
        if 0 < days < floor:
            raise ValueError(
                f"JIESU_PERSONAL_DATA_DAYS={days} 太短：个人信息保存期限须至少 {floor} 天"
                f"（不少于 {retention.MIN_DAYS} 天，且不少于评价期限 JIESU_RATING_WINDOW_DAYS "
                f"加 {retention.DEFAULT_RATING_LOOKBACK_DAYS} 天：办结后的重办、回访、评价和"
                "行政复议、诉讼期间仍需联系诉求人）；设为 0 则不删除")
        return self

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def published_statuses(self) -> frozenset[str]:
        """The statuses in which an appeal is public (公示), by `board_publish`."""
        return frozenset(str(s) for s in PUBLISHED_STATUSES[self.board_publish])

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")



def _secret_key_problem(key: str, given: bool) -> str:
    """What is wrong with a production secret key, in words that do not repeat it; "" if
    nothing. An empty value or the docs' `…` placeholder used to be taken and sign sessions."""
    if key == DEV_SECRET:
        return "仍是开发用的默认值" if given else "未设置"
    if not key.strip():
        return "为空"
    if len(key) < MIN_SECRET_LENGTH:
        return f"只有 {len(key)} 个字符"
    return ""
