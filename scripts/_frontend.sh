# shellcheck shell=bash
# Makes a private virtual environment that runs the Home Assistant of .venv with its frontend.
#
# Sourced (not run) by scripts/develop and scripts/screenshots from the repository root, after
# scripts/_python.sh. Without the home-assistant-frontend package Home Assistant starts in recovery
# mode, without custom integrations, and the frontend is no requirement of the homeassistant package
# nor of the test requirements. So it is installed, at the version the installed Home Assistant pins
# in package_constraints.txt, into a virtual environment of its own: .venv stays exactly what
# requirements_test.txt makes it. That environment sees the packages of .venv through a .pth file
# (its own come first) and is made with the interpreter .venv was made with.
#
# The frontend loads the descriptions of all actions, and Home Assistant reads those of notify (and
# others) only after importing the components its service helper checks supported features against
# (ai_task, assist_satellite, camera and what they depend on): their Python requirements are installed
# too, else the frontend stays at "Loading...". pymicro-vad and pyspeex-noise have no wheel for Python
# 3.14 at the versions pinned there, and building them needs Python's headers, so their newer releases,
# which have abi3 wheels and the same API, are installed instead.

# Prints the home-assistant-frontend requirement ("home-assistant-frontend==X") that the Home
# Assistant of .venv pins.
pinned_frontend() {
  .venv/bin/python - <<'PYTHON'
import pathlib, sys
import homeassistant
constraints = pathlib.Path(homeassistant.__file__).parent / "package_constraints.txt"
for line in constraints.read_text().splitlines():
    if line.startswith("home-assistant-frontend=="):
        print(line.strip())
        break
else:
    sys.exit("package_constraints.txt of Home Assistant pins no home-assistant-frontend")
PYTHON
}

# Prints the requirements ("name==version", one a line) of the components Home Assistant imports to
# read action descriptions, and of their dependencies.
action_description_requirements() {
  .venv/bin/python - <<'PYTHON'
import json, pathlib
import homeassistant
components = pathlib.Path(homeassistant.__file__).parent / "components"
wheels_for_3_14 = {"pymicro-vad": "pymicro-vad==2.1.0", "pyspeex-noise": "pyspeex-noise==2.0.1"}
seen, todo, requirements = set(), ["ai_task", "assist_satellite", "camera"], set()
while todo:
    domain = todo.pop()
    if domain in seen:
        continue
    seen.add(domain)
    manifest = json.loads((components / domain / "manifest.json").read_text())
    for requirement in manifest.get("requirements", []):
        requirements.add(wheels_for_3_14.get(requirement.partition("==")[0], requirement))
    todo.extend(manifest.get("dependencies", []))
print(*sorted(requirements), sep="\n")
PYTHON
}

# Whether every requirement "name==version" from the second argument on is installed for the Python $1.
all_installed() {
  "$1" - "${@:2}" 2>/dev/null <<'PYTHON'
import importlib.metadata, sys
for requirement in sys.argv[1:]:
    name, _, version = requirement.partition("==")
    if importlib.metadata.version(name) != version:
        sys.exit(1)
PYTHON
}

# Makes (or reuses) the virtual environment $1 on top of .venv, with the pinned frontend and the
# requirements "name==version" given from the second argument on installed into it. Its Python,
# $1/bin/python, runs Home Assistant with `-m homeassistant`.
frontend_venv() {
  local venv="$1" base site
  shift
  [ -x .venv/bin/hass ] || {
    echo ".venv has no Home Assistant: run scripts/setup first" >&2
    exit 1
  }
  base="$(.venv/bin/python -c 'import sys; print(sys._base_executable)')"
  create_venv "$venv" "$base"
  site="$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
  "$venv/bin/python" - "$site" <<'PYTHON'
import pathlib, sys, sysconfig
pth = pathlib.Path(sysconfig.get_path("purelib")) / "_project_venv.pth"
pth.write_text(sys.argv[1] + "\n")
PYTHON
  local requirements
  mapfile -t requirements < <(pinned_frontend && action_description_requirements)
  requirements+=("$@")
  if ! all_installed "$venv/bin/python" "${requirements[@]}"; then
    log "Installing ${requirements[*]} into $venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary pymicro-vad,pyspeex-noise \
      "${requirements[@]}" \
      2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  fi
}
