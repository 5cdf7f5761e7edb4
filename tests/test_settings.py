"""Installation settings from the environment: the base URL follows where `borough serve`
listens (HOST and PORT) unless BOROUGH_BASE_URL says otherwise (issue 10)."""

from __future__ import annotations

import pytest

from runtime.settings import Settings

SECRET = {"BOROUGH_SECRET_KEY": "settings-test-secret-" + "x" * 32}


def base_url_of(**env: str) -> str:
    return Settings.from_environment({**SECRET, **env}).base_url


def test_without_anything_the_base_url_is_the_default_address() -> None:
    assert base_url_of() == "http://127.0.0.1:8000"


@pytest.mark.parametrize(("env", "expected"), [
    ({"PORT": "8911"}, "http://127.0.0.1:8911"),
    ({"HOST": "localhost", "PORT": "9000"}, "http://localhost:9000"),
    ({"HOST": "192.0.2.7"}, "http://192.0.2.7:8000"),
    ({"HOST": "0.0.0.0", "PORT": "8911"}, "http://127.0.0.1:8911"),  # every address: this machine's
    ({"HOST": "::", "PORT": "8911"}, "http://[::1]:8911"),
    ({"HOST": "::1", "PORT": "8911"}, "http://[::1]:8911"),
    ({"HOST": "", "PORT": ""}, "http://127.0.0.1:8000"),
    ({"PORT": "8911", "BOROUGH_BASE_URL": ""}, "http://127.0.0.1:8911"),  # set but empty: not set
])
def test_without_a_base_url_links_follow_the_address_served_on(env: dict[str, str], expected: str) -> None:
    assert base_url_of(**env) == expected


def test_a_base_url_wins_over_the_address_served_on() -> None:
    assert base_url_of(HOST="0.0.0.0", PORT="8911",
                       BOROUGH_BASE_URL="https://services.example.gov.uk/") == "https://services.example.gov.uk"


@pytest.mark.parametrize("port", ["eighty", "0", "65536", "-1"])
def test_a_port_that_is_not_one_is_refused(port: str) -> None:
    with pytest.raises(RuntimeError, match="PORT"):
        base_url_of(PORT=port)


def test_production_refuses_to_guess_the_base_url() -> None:
    env = {"BOROUGH_ENV": "production", "BOROUGH_SECRET_KEY": "s" * 40, "PORT": "8911"}
    with pytest.raises(RuntimeError, match="BOROUGH_BASE_URL must be set in production"):
        Settings.from_environment(env)
    chosen = Settings.from_environment({**env, "BOROUGH_BASE_URL": "https://services.example.gov.uk/"})
    assert chosen.base_url == "https://services.example.gov.uk"
