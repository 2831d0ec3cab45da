import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_sqlite_connection_uses_wal_busy_timeout_and_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-specific settings; this run is on " + connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 20000
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_default_language_is_chinese_with_english_available():
    import kam.settings as configured  # the module itself: tests switch the live setting to English

    assert configured.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hans", "en"]
    assert settings.TIME_ZONE == "Asia/Shanghai"


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off(tmp_path):
    import subprocess
    import sys

    env = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "kam.settings",
        "KAM_VAR_DIR": str(tmp_path),  # no var/secret_key there either
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_secret_key_file_is_used_when_the_variable_is_unset(tmp_path):
    import subprocess
    import sys

    (tmp_path / "secret_key").write_text("from-the-file\n")
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "kam.settings", "KAM_VAR_DIR": str(tmp_path)}
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "from-the-file"


def test_https_flag_turns_on_secure_cookies_and_hsts():
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "k",
        "KAM_HTTPS": "1",
        "DJANGO_SETTINGS_MODULE": "kam.settings",
    }
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["True", "True", "True"]
