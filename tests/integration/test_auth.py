import pytest

from webapp.auth.service import NewUser, authenticate, create_user, set_active
from webapp.errors import DomainError


def test_a_password_is_stored_hashed_never_in_clear(make_user):
    user = make_user("staff", password="s3cret-shelf")
    assert "s3cret-shelf" not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_staff_logs_in_with_the_form_and_reaches_home(client, make_user):
    make_user("staff", username="dana", password="correct horse")
    response = client.post_form("/login", {"username": "Dana", "password": "correct horse"})
    assert response.status_code == 302
    client._token = None
    home = client.get("/")
    assert home.status_code == 200
    assert "Hello, dana" in home.get_data(as_text=True)


def test_a_wrong_password_is_refused_with_a_message(client, make_user):
    make_user("staff", username="dana", password="correct horse")
    response = client.post_form("/login", {"username": "dana", "password": "wrong"})
    assert response.status_code == 401
    assert "do not match" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_deactivated_user_cannot_log_in(app, make_user):
    make_user("staff", username="gone", password="correct horse")
    set_active("gone", False)
    assert authenticate("gone", "correct horse") is None


def test_logout_needs_a_post_with_csrf_and_ends_the_session(login_as):
    client = login_as("staff")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert client.post_form("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_login_redirects_only_to_paths_on_this_site(client, make_user):
    make_user("staff", username="dana", password="correct horse")
    response = client.post_form(
        "/login", {"username": "dana", "password": "correct horse", "next": "https://evil.example/x"}
    )
    assert response.headers["Location"] == "/"


HOSTILE_NEXT = ["/\r\nSet-Cookie: planted=1", "/\n/evil.example", "/\t/evil.example", "/\\evil.example",
                "/ok\rLocation: https://evil.example", "/\x7f"]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_a_next_with_a_control_character_or_backslash_redirects_home_after_login(client, make_user, target):
    make_user("staff", username="dana", password="correct horse")
    login_page = client.get("/login", query_string={"next": target})
    assert login_page.status_code == 200
    assert "evil.example" not in login_page.get_data(as_text=True)  # not carried in the form either
    response = client.post_form("/login", {"username": "dana", "password": "correct horse", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "planted" not in str(response.headers)
    # Already logged in, the login page redirects at once: home again, not the target.
    again = client.get("/login", query_string={"next": target})
    assert (again.status_code, again.headers["Location"]) == (302, "/")


def test_a_plain_next_path_with_its_query_is_still_followed(client, make_user):
    make_user("staff", username="dana", password="correct horse")
    response = client.post_form("/login", {"username": "dana", "password": "correct horse",
                                           "next": "/counting/?zone=Aisle%203"})
    assert response.headers["Location"] == "/counting/?zone=Aisle%203"


def test_pages_send_an_anonymous_visitor_to_login_and_the_api_answers_401_json(client):
    page = client.get("/")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


@pytest.mark.parametrize(
    ("username", "password", "role", "code"),
    [
        ("", "long enough pw", "staff", "bad_username"),
        ("amy", "short", "staff", "weak_password"),
        ("amy", "long enough pw", "boss", "bad_role"),
    ],
)
def test_bad_new_users_are_refused_with_a_reason(app, store, username, password, role, code):
    with pytest.raises(DomainError) as err:
        create_user(NewUser(username, password, role, store.id))
    assert err.value.code == code


def test_a_taken_username_is_a_conflict(app, store, make_user):
    make_user("staff", username="amy")
    with pytest.raises(DomainError) as err:
        create_user(NewUser("AMY", "long enough pw", "staff", store.id))
    assert err.value.code == "username_taken" and err.value.status == 409


class TestBruteForce:
    @pytest.fixture
    def app_config(self):
        return {"LOGIN_RATE_LIMIT": "5 per minute"}

    def test_repeated_failed_logins_are_slowed_down(self, client, make_user):
        make_user("staff", username="dana", password="correct horse")
        statuses = [
            client.post_form("/login", {"username": "dana", "password": f"guess{i}"}).status_code
            for i in range(7)
        ]
        assert statuses[:5] == [401] * 5
        assert statuses[5:] == [429, 429]


def _session_cookie_set(response) -> bool:
    return any(c.startswith("session=") for c in response.headers.getlist("Set-Cookie"))


def test_a_session_in_use_is_kept_alive_once_a_day(login_as):
    phone = login_as("staff")
    phone.get("/")
    assert not _session_cookie_set(phone.get("/count"))  # already slid today
    with phone.session_transaction() as session:
        session["slid_on"] = "2026-01-01"
    renewed = phone.get("/count")
    assert _session_cookie_set(renewed)
    assert "Expires=" in next(c for c in renewed.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_a_login_form_whose_token_went_stale_comes_back_ready_to_log_in_again(client, make_user):
    import re

    user = make_user("staff", password="correct horse")
    client.get("/login")
    stale = client.post("/login", data={"csrf_token": "stale", "username": user.username,
                                        "password": "correct horse", "next": "/count"})
    assert stale.status_code == 400
    page = stale.get_data(as_text=True)
    assert "The login form had expired" in page
    assert f'value="{user.username}"' in page and 'name="next" value="/count"' in page
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    again = client.post("/login", data={"csrf_token": fresh, "username": user.username,
                                        "password": "correct horse", "next": "/count"})
    assert again.status_code == 302 and again.headers["Location"].endswith("/count")


def test_other_forms_with_a_stale_token_still_get_the_plain_400(login_as):
    staff = login_as("staff")
    answer = staff.post("/logout", data={"csrf_token": "stale"})
    assert answer.status_code == 400 and "The form expired" in answer.get_data(as_text=True)
