# Set-up is the same for every target: a .venv with requirements.txt installed (re-done when
# requirements.txt or pyproject.toml change).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint format bench demo samples

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

ADDRESS :=

run: setup  ## start the app on localhost (an empty database gets the demo data); ADDRESS=0.0.0.0 listens on every interface
	$(BIN)/streamlit run app.py $(if $(ADDRESS),--server.address $(ADDRESS))

test: setup  ## lint and layer contracts, then the whole test suite (unit, AppTest, browser)
	$(BIN)/ruff check src tests pages app.py
	$(BIN)/ruff format --check src tests pages app.py
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check src tests pages app.py
	$(BIN)/ruff format --check src tests pages app.py
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff format src tests pages app.py
	$(BIN)/ruff check --fix src tests pages app.py

bench: setup  ## benchmark at 1M leads (python -m alignment bench --help for options)
	$(BIN)/python -m alignment bench --json bench-results/latest.json

demo: setup  ## reload the demo data into the default database
	$(BIN)/python -m alignment demo

samples: setup  ## regenerate data/samples/ from the demo generator
	$(BIN)/python -c "from pathlib import Path; from datetime import date; from alignment.devtools import demo; demo.write_samples(Path('data/samples'), today=date(2026, 11, 23))"
