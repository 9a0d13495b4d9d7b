"""Sign-in dialog: backend URL and operator token."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from widgets.naming import named


class LoginDialog(QDialog):
    """Asks for the backend URL and the token an administrator issued."""

    def __init__(self, url: str, message: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginDialog")
        self.setWindowTitle(self.tr("Sign in — Dispatch Console"))
        self.url_edit = named(QLineEdit(url), "loginUrl")
        self.token_edit = named(QLineEdit(), "loginToken")
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText(self.tr("token from 'dispatch-backend operator add'"))
        form = QFormLayout()
        form.addRow(self.tr("Backend"), self.url_edit)
        form.addRow(self.tr("Token"), self.token_edit)
        self.message = named(QLabel(message), "bannerError")
        self.message.setWordWrap(True)
        self.message.setVisible(bool(message))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Sign in"))
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.message)
        lay.addLayout(form)
        lay.addWidget(buttons)
        self.resize(520, self.sizeHint().height())

    def _on_accept(self) -> None:
        url = self.url_edit.text().strip()
        if not url.startswith(("ws://", "wss://")):
            self._complain(self.tr("The backend URL must start with ws:// or wss://."))
            return
        if not self.token_edit.text().strip():
            self._complain(self.tr("Enter your token."))
            return
        self.accept()

    def _complain(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def values(self) -> tuple[str, str]:
        """(backend URL, token)."""
        return self.url_edit.text().strip(), self.token_edit.text().strip()
