"""Users (web logins) and API tokens, with their roles."""

from appliance.auth.users import ROLES, AuthError, UserStore

__all__ = ["ROLES", "AuthError", "UserStore"]
