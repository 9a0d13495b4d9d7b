; Inno Setup 6 script for the Windows installer of the dispatch console.
;
; NOT built by this repository's CI (Linux only); build it on a Windows machine:
;   1. Install Python 3.11+, VLC 3.0 (64-bit, for libvlc.dll, libvlccore.dll and plugins\),
;      and Inno Setup 6.
;   2. In the checkout:
;        py -m venv .venv
;        .venv\Scripts\pip install -e ".[package]"
;        .venv\Scripts\pyside6-lrelease resources\translations\console_zh_CN.ts ^
;            -qm resources\translations\console_zh_CN.qm
;        .venv\Scripts\python installer\build_package.py --icons-only
;        .venv\Scripts\pyinstaller --noconfirm --distpath build\package\dist ^
;            --workpath build\package\work installer\dispatch-console.spec
;      (set DISPATCH_VLC_DIR if VLC is not in C:\Program Files\VideoLAN\VLC)
;   3. "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" installer\windows\dispatch-console.iss
;      -> build\package\dispatch-console-<version>-setup.exe
;
; The bundle is the same one-folder layout as on Linux: dispatch-console.exe and
; dispatch-backend.exe next to _internal\ (Python, Qt WebEngine, libVLC + vlc\plugins,
; resources\). The runtime hook installer\pyinstaller\rth_dispatch.py points python-vlc at the
; bundled libvlc.dll.

#define AppName "Dispatch Console"
#define AppVersion "0.1.0"
#define AppExe "dispatch-console.exe"
#define Bundle "..\..\build\package\dist\dispatch-console"

[Setup]
AppId={{6F0C2B7E-3C55-4C8E-9A7B-2D6E9F1A4B10}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Dispatch Console maintainers
DefaultDirName={autopf}\Dispatch Console
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
OutputDir=..\..\build\package
OutputBaseFilename=dispatch-console-{#AppVersion}-setup
SetupIconFile=..\..\build\package\icons\dispatch-console.ico
UninstallDisplayIcon={app}\{#AppExe}
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
PrivilegesRequiredOverridesAllowed=dialog
ShowLanguageDialog=auto

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
; ChineseSimplified.isl ships with Inno Setup's unofficial translations; copy it into
; Inno Setup's Languages\ folder before compiling.
Name: "zh_CN"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[CustomMessages]
en.BackendIcon=Dispatch backend (demo district)
zh_CN.BackendIcon=调度后端（演示辖区）
en.DesktopIcon=Create a desktop shortcut
zh_CN.DesktopIcon=创建桌面快捷方式

[Tasks]
Name: "desktopicon"; Description: "{cm:DesktopIcon}"; Flags: unchecked

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\{cm:BackendIcon}"; Filename: "{app}\dispatch-backend.exe"; Parameters: "serve --demo"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
