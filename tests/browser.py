"""Steps that browser tests share: signing in through the real login form."""

from tests.base import PASSWORD


def log_in(page, base_url: str, username: str, *, next_path: str = "") -> None:
    """Sign in as `username` through the login page; with `next_path`, wait until the site sends
    the browser there (the login form's own redirect is part of what is tested)."""
    query = f"?next={next_path}" if next_path else ""
    page.goto(f"{base_url}/accounts/login/{query}")
    fill_login_form(page, username)
    if next_path:
        page.wait_for_url(f"**{next_path}")
    else:
        page.wait_for_load_state()


def fill_login_form(page, username: str) -> None:
    """Fill and send the login form on the page the browser is on."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
