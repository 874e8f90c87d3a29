#!/bin/sh
# Runs scripts/torch_reference.py with Debian's Python, where python3-torch lives
# (a pyenv or venv python3 on PATH would not see it). Usage: see the .py docstring.
exec /usr/bin/python3 "$(dirname "$0")/torch_reference.py" "$@"
