from webapp.security import CSP


def test_every_answer_carries_the_security_headers(client):
    response = client.get("/login")
    headers = response.headers
    assert headers["Content-Security-Policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "script-src 'self' 'wasm-unsafe-eval'" in CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "camera=(self)" in headers["Permissions-Policy"]


def test_the_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    make_user("staff", username="dana", password="correct horse")
    response = client.post_form("/login", {"username": "dana", "password": "correct horse"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_outside_tests_the_session_cookie_is_secure():
    from webapp import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "a-stable-secret"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_a_form_post_without_csrf_token_is_refused(client, make_user):
    make_user("staff", username="dana", password="correct horse")
    response = client.post("/login", data={"username": "dana", "password": "correct horse"})
    assert response.status_code == 400
    assert "The login form had expired" in response.get_data(as_text=True)   # the form again, fresh token
    assert client.get("/").status_code == 302                                   # and nobody logged in
    other = client.post("/logout", data={})
    assert other.status_code == 400 and "reload the page" in other.get_data(as_text=True)


def test_a_json_post_without_csrf_header_gets_a_json_error(login_as):
    client = login_as("staff")
    response = client.post("/logout", json={}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"


def test_an_unknown_api_path_answers_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
