"""Pushing to the wall consoles (commanders): the dialog that asks where, and what goes.

The Wall menu's actions open :class:`PushDialog`; :class:`WallPush` turns the answer into
``sig_push_layout`` (a layout document) or ``sig_push_cameras``, which the composition root
sends as ``wall.show_layout``/``wall.show_cameras``. The wall groups used last are kept in
QSettings so the dialog offers them again.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QSettings, Signal
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QWidget

from widgets.layout_store import LayoutStore
from widgets.naming import named


class WallPush(QObject):
    """The Wall menu: asks which group (and layout), then says what to push.

    Args:
        layouts: The operator's layouts (the current arrangement or a saved one is pushed).
        settings: Where the wall groups used last are kept (None: not kept).
        parent: The window the dialogs belong to.
    """

    sig_push_layout = Signal(str, str, dict)
    """Push a layout to the wall consoles (wall group, name, layout document)."""
    sig_push_cameras = Signal(str)
    """Push the cameras of this console's video wall to a wall group."""

    def __init__(self, layouts: LayoutStore, settings: QSettings | None, parent: QWidget) -> None:
        super().__init__(parent)
        self._layouts = layouts
        self._settings = settings
        self._parent = parent
        self.dialog: PushDialog | None = None
        """The dialog opened last (tests drive it)."""

    def groups(self) -> list[str]:
        """The wall groups to offer: "all", then those used last."""
        used = self._settings.value("wall/groups") if self._settings is not None else None
        groups = [used] if isinstance(used, str) else list(used or [])
        return ["all", *[str(g) for g in groups if g != "all"]]

    def _remember(self, group: str) -> None:
        if self._settings is not None and group != "all":
            groups = [g for g in self.groups() if g not in ("all", group)]
            self._settings.setValue("wall/groups", [group, *groups][:10])

    def ask_layout(self) -> None:
        """Ask which layout goes to which wall group."""
        dialog = PushDialog(self.groups(), self._layouts.names(), self._parent)
        dialog.accepted.connect(lambda: self.push_layout(dialog.group(), dialog.layout_name()))
        self.dialog = dialog
        dialog.open()

    def push_layout(self, group: str, name: str | None) -> None:
        """Push a saved layout (or, with ``name`` None, the current arrangement)."""
        doc: dict[str, Any] | None
        if name is None:
            doc = self._layouts.document(QCoreApplication.translate("MainWindow", "Current layout"))
        else:
            doc = self._layouts.saved(name)
        if doc is None or not group:
            return
        self._remember(group)
        self.sig_push_layout.emit(group, str(doc["name"]), doc)

    def ask_cameras(self) -> None:
        """Ask which wall group gets the video wall's cameras."""
        dialog = PushDialog(self.groups(), None, self._parent)
        dialog.accepted.connect(lambda: self.push_cameras(dialog.group()))
        self.dialog = dialog
        dialog.open()

    def push_cameras(self, group: str) -> None:
        """Push the video wall's cameras to ``group``."""
        if group:
            self._remember(group)
            self.sig_push_cameras.emit(group)


class PushDialog(QDialog):
    """Ask a commander which wall group (and, for layouts, which layout) to push to.

    Args:
        groups: Wall groups to offer ("all" first); the operator may type another.
        layouts: Saved layout names to offer after "Current layout", or None when pushing
            cameras (no layout choice).
    """

    def __init__(
        self, groups: list[str], layouts: list[str] | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pushToWallDialog")
        self.setMinimumWidth(380)
        self.setWindowTitle(
            self.tr("Push layout to wall") if layouts is not None else self.tr("Push cameras")
        )
        self.group_box = named(QComboBox(), "pushGroup")
        self.group_box.setEditable(True)
        self.group_box.addItems(groups)
        form = QFormLayout(self)
        form.addRow(self.tr("Wall group:"), self.group_box)
        self.layout_box: QComboBox | None = None
        if layouts is not None:
            self.layout_box = named(QComboBox(), "pushLayout")
            self.layout_box.addItem(self.tr("Current layout"), None)
            for name in layouts:
                self.layout_box.addItem(name, name)
            form.addRow(self.tr("Layout:"), self.layout_box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def group(self) -> str:
        """The wall group chosen or typed ("all" for every wall console)."""
        return self.group_box.currentText().strip()

    def layout_name(self) -> str | None:
        """The saved layout chosen, or None for the current arrangement."""
        if self.layout_box is None:
            return None
        data = self.layout_box.currentData()
        return None if data is None else str(data)
