from webapp.auth.models import User
from webapp.auth.service import authenticate


def test_users_can_be_created_promoted_and_deactivated_from_the_shell(app, db, store):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "pat", "--role", "receiver", "--password", "dock-door-7"])
    assert result.exit_code == 0, result.output
    assert db.session.query(User).filter_by(username="pat").one().role == "receiver"

    result = runner.invoke(args=["users", "set-role", "pat", "manager"])
    assert result.exit_code == 0 and "now manager" in result.output

    result = runner.invoke(args=["users", "deactivate", "pat"])
    assert result.exit_code == 0
    assert authenticate("pat", "dock-door-7") is None


def test_the_shell_explains_an_unknown_user(app, store):
    result = app.test_cli_runner().invoke(args=["users", "set-role", "nobody", "staff"])
    assert result.exit_code != 0
    assert "No user is called 'nobody'" in result.output
