"""The catalogue's words of the sign-in page (web/i18n.py merges them)."""

from __future__ import annotations

SIGN_IN: dict[str, tuple[str, str]] = {
    "signin.title": ("Sign in", "Вхід"),
    "signin.with_password": ("With your name and password", "За іменем і паролем"),
    "signin.with_token": ("With a token", "За токеном"),
    "signin.name": ("User name", "Ім'я користувача"),
    "signin.password": ("Password", "Пароль"),
    "signin.token": ("Token", "Токен"),
    "signin.submit": ("Sign in", "Увійти"),
    "signin.failed": (
        "Sign-in failed: check the name and password, or the token.",
        "Не вдалося увійти: перевірте ім'я і пароль або токен.",
    ),
    "signin.wait": (
        "Too many failed sign-ins: try again in {minutes} min.",
        "Забагато невдалих спроб входу: спробуйте ще раз за {minutes} хв.",
    ),
}
