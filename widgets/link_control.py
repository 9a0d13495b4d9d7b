"""The operator's hold on the live link: the token in the keyring, signing in (again), and
the settings dialog (backend URL, base map).

Built by the composition root for a live console; nothing here blocks the GUI thread (keyring
calls run in an executor, dialogs are opened, never ``exec()``-ed).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QWidget

from console.protocol.session import ClientSession
from console.services.client import BackendClient
from widgets import settings as console_settings
from widgets.login import LoginDialog

log = logging.getLogger("console")

KEYRING_SERVICE = "dispatch-console"
"""The keyring service the token is kept under (user: the backend URL)."""

#: Shows a base map: (XYZ template or .mbtiles path, or None for the built-in one; GCJ-02).
BaseMap = Callable[[str | None, bool], None]


class TokenKeyring:
    """The operator's token per backend URL in the OS keyring, never in a settings file.

    A machine without a usable keyring keeps the token in memory only (and says so once
    per call in the log).
    """

    def get_now(self, url: str) -> str | None:
        """The token kept for ``url`` (blocking: call it in an executor)."""
        try:
            import keyring

            token = keyring.get_password(KEYRING_SERVICE, url)
        except Exception as exc:  # no usable keyring backend on this machine
            log.warning("keyring unavailable (%s); the token is kept in memory only", exc)
            return None
        return token if isinstance(token, str) else None

    def set_now(self, url: str, token: str | None) -> None:
        """Keep ``token`` for ``url`` (None: forget it). Blocking: call it in an executor."""
        try:
            import keyring

            if token is None:
                keyring.delete_password(KEYRING_SERVICE, url)
            else:
                keyring.set_password(KEYRING_SERVICE, url, token)
        except Exception as exc:
            log.warning("keyring unavailable (%s); the token is kept in memory only", exc)

    async def get(self, url: str) -> str | None:
        """The token kept for ``url``."""
        return await asyncio.get_running_loop().run_in_executor(None, self.get_now, url)

    async def forget(self, url: str) -> None:
        """Forget the token kept for ``url``."""
        await asyncio.get_running_loop().run_in_executor(None, self.set_now, url, None)

    def remember(self, url: str, token: str) -> None:
        """Keep ``token`` for ``url`` (in the background)."""
        asyncio.get_running_loop().run_in_executor(None, self.set_now, url, token)


async def ask_sign_in(url: str, message: str = "") -> tuple[str, str] | None:
    """Ask for a backend URL and token (None: the operator cancelled)."""
    dialog = LoginDialog(url, message)
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(code: int) -> None:
        if not done.done():
            done.set_result(code)

    dialog.finished.connect(finished)
    dialog.open()
    return dialog.values() if await done else None


def operator_of(token: str) -> str | None:
    """The operator id a token names (``<id>.<secret>``), if it names one."""
    return token.split(".", 1)[0] if "." in token else None


class LinkControl(QObject):
    """File → Sign in again and File → Settings… for one live console.

    Args:
        client: The backend client (its URL, token and session change here).
        settings: The console's settings (the dialog edits them).
        keyring: Where the token is kept (None: nowhere, as in tests).
        base_map: Shows a base map on the console's map (None: no map).
        set_operator: Tells the window who is signed in now.
        parent: The window the dialogs belong to.
    """

    def __init__(
        self,
        client: BackendClient,
        settings: QSettings,
        keyring: TokenKeyring | None,
        base_map: BaseMap | None,
        set_operator: Callable[[str | None], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._settings = settings
        self._keyring = keyring
        self._base_map = base_map
        self._set_operator = set_operator
        self._parent = parent
        self.settings_dialog: QWidget | None = None
        """The settings dialog opened last (tests drive it)."""
        self._tasks: set[asyncio.Task[None]] = set()

    def use_backend(self, url: str) -> None:
        """Talk to ``url`` from the next connection on: another backend starts a new session
        (its seq numbers and pending commands mean nothing there)."""
        client = self._client
        if url != client.url:
            client.session = ClientSession()
            client.url = url

    def sign_in_again(self) -> None:
        """Ask for a URL and token, forget the old token and reconnect with the new one."""
        task = asyncio.get_running_loop().create_task(self._sign_in_again())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _sign_in_again(self) -> None:
        client = self._client
        answer = await ask_sign_in(client.url, "")
        if answer is None:
            return
        new_url, new_token = answer
        if self._keyring is not None:
            await self._keyring.forget(client.url)
        self.use_backend(new_url)
        client.token = new_token
        self._set_operator(operator_of(new_token))
        client.reconnect_now()

    def open_settings(self) -> None:
        """Show the settings dialog; saving applies the base map and the backend URL."""
        from widgets.settings_dialog import SettingsDialog

        dialog = SettingsDialog(console_settings.load(self._settings), self._parent)
        dialog.accepted.connect(lambda: self._on_settings_saved(dialog))
        self.settings_dialog = dialog
        dialog.open()

    def _on_settings_saved(self, dialog: QWidget) -> None:
        from widgets.settings_dialog import SettingsDialog

        assert isinstance(dialog, SettingsDialog)
        new = dialog.result_settings()
        console_settings.save(self._settings, new)
        if self._base_map is not None:
            self._base_map(new.base_map_url or None, new.base_map_gcj02)
        if new.backend_url != self._client.url:
            self.use_backend(new.backend_url)
            self._client.reconnect_now()
