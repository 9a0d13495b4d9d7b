"""Language: pick zh_CN or en and install the compiled Qt translations."""

from __future__ import annotations

import logging
from importlib import resources

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger("console.i18n")
LANGUAGES = ("zh_CN", "en")


def default_language() -> str:
    """zh_CN when the system locale is Chinese, else en."""
    return "zh_CN" if QLocale.system().name().startswith("zh") else "en"


def install(app: QCoreApplication, language: str) -> list[QTranslator]:
    """Install the console's and Qt's own translations for ``language``.

    Returns:
        The installed translators (keep them alive as long as the app).
    """
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    QLocale.setDefault(QLocale(language))
    if language == "en":
        return []
    installed = []
    ours = QTranslator(app)
    qm = resources.files("resources") / "translations" / f"console_{language}.qm"
    if qm.is_file() and ours.load(str(qm)):
        app.installTranslator(ours)
        installed.append(ours)
    else:
        log.warning("no compiled translation %s (run 'make translations')", qm)
    qt = QTranslator(app)
    if qt.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        installed.append(qt)
    return installed
