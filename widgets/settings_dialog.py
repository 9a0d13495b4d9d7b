"""The settings dialog: backend, certificates, base map, language, theme, sounds, folders."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from widgets.map.mbtiles import MBTilesError, MBTilesFile, error_text, is_mbtiles_source
from widgets.naming import named
from widgets.settings import ConsoleSettings


class SettingsDialog(QDialog):
    """Edits a :class:`ConsoleSettings`; ``result_settings()`` gives the edited copy."""

    def __init__(self, current: ConsoleSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("Settings"))
        self._current = current
        self.backend = named(QLineEdit(current.backend_url), "setBackend")
        self.ca_file = named(QLineEdit(current.ca_file), "setCaFile")
        self.ca_file.setPlaceholderText(self.tr("system certificates"))
        self.base_map = named(QLineEdit(current.base_map_url), "setBaseMap")
        self.base_map.setPlaceholderText(
            self.tr("built-in offline map (or an XYZ URL template, or an .mbtiles file)")
        )
        self.gcj02 = QCheckBox(self.tr("Base map uses GCJ-02 (shift markers for display)"))
        self.gcj02.setChecked(current.base_map_gcj02)
        self.language = named(QComboBox(), "setLanguage")
        for code, name in (("", self.tr("System")), ("zh_CN", "中文（简体）"), ("en", "English")):
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(current.language)))
        self.theme = named(QComboBox(), "setTheme")
        for code, name in (
            ("dark", self.tr("Dark (control room)")),
            ("light", self.tr("Light")),
            ("wall", self.tr("High contrast (video wall)")),
        ):
            self.theme.addItem(name, code)
        self.theme.setCurrentIndex(max(0, self.theme.findData(current.theme)))
        self.sounds = QCheckBox(self.tr("Play sounds for priority-1 alerts"))
        self.sounds.setChecked(current.sounds)
        self.evidence = named(QLineEdit(current.evidence_dir), "setEvidence")
        self.recordings = named(QLineEdit(current.recording_dir), "setRecordings")
        form = QFormLayout(self)
        form.addRow(self.tr("Backend URL"), self.backend)
        form.addRow(self.tr("CA file"), self.ca_file)
        form.addRow(self.tr("Base map"), self.base_map)
        form.addRow("", self.gcj02)
        form.addRow(self.tr("Language"), self.language)
        form.addRow(self.tr("Theme"), self.theme)
        form.addRow("", self.sounds)
        form.addRow(self.tr("Evidence folder"), self.evidence)
        form.addRow(self.tr("Recording folder"), self.recordings)
        note = named(QLabel(self.tr("Language and theme apply at the next start.")), "dim")
        form.addRow(note)
        self.error = named(QLabel(), "bannerError")
        self.error.hide()
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(620, self.sizeHint().height())

    def _on_accept(self) -> None:
        url = self.backend.text().strip()
        if not url.startswith(("ws://", "wss://")):
            self.error.setText(self.tr("The backend URL must start with ws:// or wss://."))
            self.error.show()
            return
        template = self.base_map.text().strip()
        if is_mbtiles_source(template):
            try:
                MBTilesFile(template).close()  # a quick look at its header and metadata
            except MBTilesError as exc:
                self.error.setText(error_text(exc))
                self.error.show()
                return
        elif template and not all(k in template for k in ("{z}", "{x}", "{y}")):
            self.error.setText(self.tr("A base map template needs {z}, {x} and {y}."))
            self.error.show()
            return
        self.accept()

    def result_settings(self) -> ConsoleSettings:
        """The settings as edited."""
        return ConsoleSettings(
            backend_url=self.backend.text().strip(),
            ca_file=self.ca_file.text().strip(),
            base_map_url=self.base_map.text().strip(),
            base_map_gcj02=self.gcj02.isChecked(),
            language=str(self.language.currentData()),
            theme=str(self.theme.currentData()),
            sounds=self.sounds.isChecked(),
            evidence_dir=self.evidence.text().strip(),
            recording_dir=self.recordings.text().strip(),
        )
