"""Test settings: the project's settings with a few values fixed for speed and isolation."""

import os

# Tests need a key but no real secret; the environment's key wins when set.
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-" + "k" * 50)
os.environ.setdefault("REQUIRE_MFA", "true")
# `make test` sets DATABASE_URL (the embedded PostgreSQL or CI's); this default serves tools
# such as mypy that load settings without connecting.
os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/relational_commissioning")
os.environ.setdefault("DJANGO_SECURE", "false")

from config.settings import *  # noqa: F403
from tests.clock import clock_move_from_environment

# TEST_CLOCK=2028-02-29 runs the tests on another day (README, "Tests on any day"). Set here,
# the settings every test process loads, so a Celery worker a test starts moves with it.
clock_move_from_environment()

# `make bench` runs its measurements in child processes against the database it made.
if os.environ.get("BENCH_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["BENCH_DATABASE_NAME"]  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; never used outside tests
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A Celery worker a fault test starts writes its e-mails to files, for the test to count.
if os.environ.get("TEST_EMAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["TEST_EMAIL_DIR"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tasks run in-process in tests unless a test starts a real worker itself.
CELERY_TASK_ALWAYS_EAGER = True
# A worker a fault test starts sends as a deployed worker does: through the broker.
if os.environ.get("TEST_WORKER_SENDS_THROUGH_BROKER"):
    CELERY_TASK_ALWAYS_EAGER = False
# Importer tests would otherwise recompute the market after every import; tests that want it
# turn it on.
MARKET_RECOMPUTE_AFTER_IMPORT = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
