@echo off
rem Start RVC Studio: installs on the first run (run-install.bat), then serves app.py on
rem http://127.0.0.1:6969 and opens the browser. Options go to app.py: --host --port --share --no-browser
setlocal EnableExtensions

set "ROOT=%~dp0"
if "%ROOT:~-1%"=="\" set "ROOT=%ROOT:~0,-1%"
if not defined RVC_VENV set "RVC_VENV=%ROOT%\.venv"

set "RVC_NO_PAUSE=1"
call "%ROOT%\run-install.bat"
if errorlevel 1 (
    pause
    exit /b 1
)
set "RVC_NO_PAUSE="
if not defined GRADIO_ANALYTICS_ENABLED set "GRADIO_ANALYTICS_ENABLED=False"
cd /d "%ROOT%"
"%RVC_VENV%\Scripts\python.exe" app.py %*
if errorlevel 1 pause
