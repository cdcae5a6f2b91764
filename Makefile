# jcs-legal-kit: venv, JupyterLab, tests, benchmarks.
PYTHON ?= python3

VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed
# JupyterLab reads <sys.prefix>/share/jupyter/lab/settings/overrides.json.
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json

.DEFAULT_GOAL := help
.PHONY: help .venv lab test notebooks bench clean

help:
	@echo "Targets:"
	@echo "  make .venv   create .venv ($(PYTHON) -m venv) if missing and install -c constraints.txt -e '.[test]'"
	@echo "               (reinstalls when pyproject.toml or constraints.txt change; writes JupyterLab overrides)"
	@echo "  make lab     start JupyterLab on notebooks/"
	@echo "  make test    pytest tests/, then pytest --nbval on notebooks/*.ipynb (if any)"
	@echo "  make notebooks  re-execute notebooks/*.ipynb in place and tidy them (notebooks/execute.py);"
	@echo "               NB='notebooks/09_clause_graph.ipynb ...' runs only those"
	@echo "  make bench   run benchmarks/run.py"
	@echo "  make clean   remove .venv"

.venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -c constraints.txt -e '.[test]'
	$(BIN)/python -c 'import json, pathlib; p = pathlib.Path("$(LAB_OVERRIDES)"); p.parent.mkdir(parents=True, exist_ok=True); p.write_text(json.dumps({"@jupyterlab/apputils-extension:kernels-settings": {"commsOverSubshells": "disabled"}, "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}, indent=2) + "\n")'
	touch $@

lab: .venv
	mkdir -p notebooks
	$(BIN)/jupyter lab --notebook-dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# One recipe: both suites run; the target fails if either fails.
# nbval runs only when notebooks/*.ipynb exist, and its exit 5 ("no tests collected") is not a failure.
test: .venv
	@status=0; \
	$(BIN)/python -m pytest tests || status=$$?; \
	if ls notebooks/*.ipynb >/dev/null 2>&1; then \
	  $(BIN)/python -m pytest --nbval --nbval-current-env notebooks; nb=$$?; \
	  if [ $$nb -ne 0 ] && [ $$nb -ne 5 ]; then status=$$nb; fi; \
	else \
	  echo "make test: no notebooks/*.ipynb, nbval skipped"; \
	fi; \
	exit $$status

# Re-execute the notebooks in place (kernel working directory: notebooks/) so that their committed
# outputs, which nbval compares, follow the current code; then strip run-to-run noise.
notebooks: .venv
	$(BIN)/python notebooks/execute.py $(NB)

bench: .venv
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV)
