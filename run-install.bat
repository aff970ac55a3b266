@echo off
rem Create (or reuse) the virtual environment, install the requirements, then this project itself in
rem editable mode (so `rvc ...` and `python -m rvc ...` work from any folder once the venv is active).
rem Idempotent: when the venv runs, imports torch and its stamps match requirements.txt and
rem pyproject.toml (and this folder), nothing is installed.
rem With an NVIDIA GPU (nvidia-smi works) torch comes from PyTorch's own CUDA wheel index, because
rem PyPI's Windows torch is CPU-only: CUDA 12.8 (Turing/RTX 20 and newer, Blackwell included), or
rem CUDA 12.6 for older cards (Maxwell, Pascal, Volta), which torch 2.11's CUDA 12.8 build dropped.
rem Environment: RVC_VENV (default <repo>\.venv), RVC_PYTHON (interpreter used to create it).
setlocal EnableExtensions EnableDelayedExpansion

set "ROOT=%~dp0"
if "%ROOT:~-1%"=="\" set "ROOT=%ROOT:~0,-1%"
if defined RVC_VENV (set "VENV=%RVC_VENV%") else (set "VENV=%ROOT%\.venv")
set "PY=%VENV%\Scripts\python.exe"
set "TORCH_INDEX=https://download.pytorch.org/whl/cu128"
set "TORCH_CUDA=12.8"
set "TORCH_PINS=torch==2.11.0 torchaudio==2.11.0"
set "VERSION_OK=import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 13) else 1)"
set "STAMP=%VENV%\.rvc-stamp-requirements.txt"
set "PROJECT_STAMP=%VENV%\.rvc-stamp-project"

if /i "%~1"=="--help" (
    echo Usage: run-install.bat   ^(set RVC_VENV to choose where the virtual environment lives^)
    exit /b 0
)

"%PY%" -c "%VERSION_OK%" >nul 2>&1
if errorlevel 1 (
    if exist "%PY%" (
        echo [run-install] error: !VENV! does not use Python 3.11 or 3.12; delete that folder and run again.
        goto :fail
    )
    call :find_python
    if not defined BASE (
        echo [run-install] error: Python 3.11 or 3.12 is needed. Install it from https://www.python.org/downloads/windows/
        echo [run-install] ^(tick "Add python.exe to PATH"^) or set RVC_PYTHON to its python.exe, then run again.
        goto :fail
    )
    echo [run-install] creating the virtual environment in !VENV! with !BASE!
    !BASE! -m venv "%VENV%"
    if errorlevel 1 goto :fail
)

set "GPU=0"
nvidia-smi >nul 2>&1
if not errorlevel 1 set "GPU=1"
if "%GPU%"=="1" call :pick_torch_index
set "TORCH_STATE=missing"
"%PY%" -c "import torch" >nul 2>&1
if not errorlevel 1 set "TORCH_STATE=cpu"
"%PY%" -c "import sys, torch; sys.exit(0 if torch.version.cuda else 1)" >nul 2>&1
if not errorlevel 1 set "TORCH_STATE=cuda"

set "WANT="
for /f "usebackq delims=" %%H in (`""%PY%" -c "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())" "%ROOT%\requirements.txt""`) do set "WANT=%%H"
set "HAVE="
if exist "%STAMP%" set /p HAVE=<"%STAMP%"

set "NEED_INSTALL=0"
if not "!HAVE!"=="!WANT!" set "NEED_INSTALL=1"
if "%TORCH_STATE%"=="missing" set "NEED_INSTALL=1"
if "%GPU%%TORCH_STATE%"=="1cpu" set "NEED_INSTALL=1"
if "%NEED_INSTALL%"=="0" (
    echo [run-install] requirements already installed in !VENV!
    goto :project
)

if "%GPU%"=="0" echo [run-install] no NVIDIA GPU found: torch will run on the CPU
if "%GPU%%TORCH_STATE%"=="1missing" (
    echo [run-install] NVIDIA GPU found: installing the CUDA !TORCH_CUDA! build of torch from !TORCH_INDEX!
    "%PY%" -m pip install --disable-pip-version-check %TORCH_PINS% --index-url %TORCH_INDEX%
    if errorlevel 1 goto :fail
)
if "%GPU%%TORCH_STATE%"=="1cpu" (
    echo [run-install] NVIDIA GPU found: replacing the CPU-only torch with the CUDA !TORCH_CUDA! build from !TORCH_INDEX!
    "%PY%" -m pip install --disable-pip-version-check --force-reinstall --no-deps %TORCH_PINS% --index-url %TORCH_INDEX%
    if errorlevel 1 goto :fail
)

echo [run-install] installing requirements.txt into %VENV%
"%PY%" -m pip install --disable-pip-version-check -r "%ROOT%\requirements.txt"
if errorlevel 1 goto :fail
"%PY%" -c "import torch" >nul 2>&1
if errorlevel 1 (
    echo [run-install] error: torch does not import after installing; delete !VENV! and run again.
    goto :fail
)
>"%STAMP%" echo !WANT!
where ffmpeg >nul 2>&1
if errorlevel 1 echo [run-install] note: ffmpeg is not installed; wav/flac work, but mp3/m4a/ogg need it ^(winget install ffmpeg^).

:project
rem The editable install records this folder, so the stamp holds the folder too: the same venv used
rem from another clone is pointed at that clone.
set "PROJECT_WANT="
for /f "usebackq delims=" %%H in (`""%PY%" -c "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())" "%ROOT%\pyproject.toml""`) do set "PROJECT_WANT=%%H %ROOT%"
set "PROJECT_HAVE="
if exist "%PROJECT_STAMP%" set /p PROJECT_HAVE=<"%PROJECT_STAMP%"
if not exist "%VENV%\Scripts\rvc.exe" set "PROJECT_HAVE="
if not "!PROJECT_HAVE!"=="!PROJECT_WANT!" (
    echo [run-install] installing this project ^(editable, the 'rvc' command^) from !ROOT!
    "!PY!" -m pip install --disable-pip-version-check --quiet --no-deps -e "!ROOT!"
    if errorlevel 1 goto :fail
    >"!PROJECT_STAMP!" echo !PROJECT_WANT!
)
if "%NEED_INSTALL%"=="1" echo [run-install] done. Start the studio with go-fork.bat
exit /b 0

:pick_torch_index
rem Compute capability below 7.5 (GTX 10xx, Titan V, ...) needs the CUDA 12.6 build.
for /f "tokens=1,2 delims=. " %%A in ('nvidia-smi --query-gpu^=compute_cap --format^=csv^,noheader 2^>nul') do (
    set /a "CAP=%%A * 10 + %%B" 2>nul
    if !CAP! LSS 75 (
        set "TORCH_INDEX=https://download.pytorch.org/whl/cu126"
        set "TORCH_CUDA=12.6"
    )
)
exit /b 0

:find_python
set "BASE="
if not defined RVC_PYTHON goto :find_default
"%RVC_PYTHON%" -c "%VERSION_OK%" >nul 2>&1 && set BASE="%RVC_PYTHON%"
exit /b 0
:find_default
for %%V in (3.11 3.12) do (
    if not defined BASE (
        py -%%V -c "%VERSION_OK%" >nul 2>&1 && set "BASE=py -%%V"
    )
)
if not defined BASE (
    python -c "%VERSION_OK%" >nul 2>&1 && set "BASE=python"
)
exit /b 0

:fail
echo [run-install] installation failed; see the messages above.
if not defined RVC_NO_PAUSE pause
exit /b 1
