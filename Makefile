# Reproducible compendium: `make` sets up the environment and builds the
# example chapter; `make test` runs the tests. `make help` lists the targets.
SHELL := /bin/bash

# Grouped targets (`a b &: deps`, one recipe making several files) need GNU make 4.3 or later;
# an older make would misread them and rebuild wrongly, so stop here, before any rule is read.
ifeq ($(filter grouped-target,$(.FEATURES)),)
$(error this Makefile needs GNU make 4.3 or later (grouped targets); this is make $(MAKE_VERSION). \
  macOS: `brew install make`, then run `gmake` instead of `make`. \
  Without make (Windows too): `python -m analysis build` (see README.md, "Without make"))
endif
.DELETE_ON_ERROR:
.DEFAULT_GOAL := all
MAKEFLAGS += --no-builtin-rules

CASE      ?= data/raw
# OUT=dir puts both output folders under one directory (dir/processed, dir/reports).
ifdef OUT
PROCESSED ?= $(OUT)/processed
REPORTS   ?= $(OUT)/reports
endif
PROCESSED ?= data/processed
REPORTS   ?= reports
PYTHON    ?= python3

# --- environment: conda when present, else a venv from the pinned versions ---
ifneq ($(shell command -v conda 2>/dev/null),)
ENV_DIR := .conda-env
ENV     := $(ENV_DIR)/.installed
$(ENV): environment.yml pyproject.toml
	conda env create --prefix $(ENV_DIR) --file environment.yml --yes
	touch $@
else
ENV_DIR := .venv
ENV     := $(ENV_DIR)/.installed
$(ENV): requirements/pins.txt requirements/lock.txt pyproject.toml
	test -x $(ENV_DIR)/bin/python || $(PYTHON) -m venv $(ENV_DIR)
	$(ENV_DIR)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/pins.txt -c requirements/lock.txt
	$(ENV_DIR)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@
endif
PY   := $(ENV_DIR)/bin/python
# Each command takes only the folders it reads or writes (`python -m analysis COMMAND --help`).
ARGS := --case $(CASE) --processed $(PROCESSED) --reports $(REPORTS)
PKG  := src/analysis

# --- what each stage reads ---
RAW_FILES := $(shell find $(CASE) -type f ! -name '.*' 2>/dev/null | LC_ALL=C sort)
TABLE_NAMES := sources units informants documents codings reliability disagreements suggestions possible_misses code_frequencies informant_codes cooccurrence input_warnings
TABLES := $(foreach t,$(TABLE_NAMES),$(PROCESSED)/$(t).parquet $(PROCESSED)/$(t).csv)
TEXT_TEMPLATES := $(wildcard $(PKG)/templates/text/*/*)
CASE_TEMPLATES := $(filter $(CASE)/templates/%,$(RAW_FILES))
CONCLUSION_TEMPLATES := $(filter %conclusion.md.j2 %labels.yml,$(TEXT_TEMPLATES))
INDICATOR_TEMPLATES := $(filter-out %conclusion.md.j2 %chapter_heading.md.j2 %appendix.md.j2 %findings_intro.md.j2,$(TEXT_TEMPLATES))
CHAPTER_SRC := $(ASSEMBLE_SRC) $(PKG)/csl/apa.csl $(wildcard $(PKG)/templates/nbconvert/chapter/*) $(filter %chapter_heading.md.j2 %appendix.md.j2 %findings_intro.md.j2 %labels.yml,$(TEXT_TEMPLATES))

# The package files each stage runs (LIST_SRC, PREPARE_SRC, INDICATOR_SRC, CONCLUSION_SRC, ASSEMBLE_SRC,
# PDF_SRC, MANIFEST_SRC) come from the package's imports, and the indicator ids from the codebook:
# two generated makefiles, remade when what they are made from changes.
DEPS_MK := build/deps.mk
NO_BUILD_GOALS := help clean lab env lock new-case bench diff mutation lint test test-fast check what-if
ifeq ($(filter $(NO_BUILD_GOALS),$(MAKECMDGOALS)),)
-include $(DEPS_MK)
-include $(PROCESSED)/.indicators.mk
endif
$(DEPS_MK): $(shell find $(PKG) -name '*.py' 2>/dev/null | LC_ALL=C sort) $(wildcard notebooks/*.ipynb) $(ENV)
	$(PY) -m analysis deps $@

$(PROCESSED)/.indicators.mk: $(CASE)/codebook.yml $(LIST_SRC) $(ENV)
	@mkdir -p $(@D)
	set -o pipefail; $(PY) -m analysis indicators --case $(CASE) | sed 's/^/INDICATORS += /' > $@.tmp \
	  && mv $@.tmp $@ || { rm -f $@.tmp; exit 1; }

RESULTS  := $(foreach i,$(INDICATORS),$(REPORTS)/results/$(i).json)
EXECUTED := $(foreach i,$(INDICATORS),$(REPORTS)/notebooks/indicator-$(i).ipynb)
# The chapters by role and the whole thesis (docs/pipeline.md, "Assembly"), each in every format.
CHAPTER_DOCS := findings conclusion appendix thesis
CHAPTER  := $(foreach d,$(CHAPTER_DOCS),$(foreach f,html md docx,$(REPORTS)/chapter/$(d).$(f))) $(REPORTS)/chapter/references.json
PDF      := $(foreach d,$(CHAPTER_DOCS),$(REPORTS)/chapter/$(d).pdf)

.PHONY: all help env check data indicators conclusion chapter pdf audit verify diff lint test test-fast lab clean lock new-case bench mutation what-if
MANIFEST := $(REPORTS)/manifest.json

all: $(CHAPTER) $(MANIFEST) ## Build the chapter of the case (default: the example) — sets up the environment first

help: ## List the targets
	@grep -hE '^[a-z][a-zA-Z_-]*:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

env: $(ENV) ## Create the environment (.venv from pinned versions, or conda)

check: $(ENV) ## Check the whole case and list every problem at once (writes nothing): make check CASE=path
	$(PY) -m analysis check --case $(CASE)

data: $(TABLES) ## Ingest, clean, pseudonymise and code the case into $(PROCESSED)

# prepare runs while make reads this file: its stamp is an included makefile, so make starts again
# afterwards and sees the evidence digests (slices.py) as prepare left them. A digest whose content
# did not change keeps its old timestamp, and its indicator is not re-run. (Were prepare an ordinary
# rule, make would have read the digests' timestamps before prepare ran.) A missing table or digest
# remakes the stamp; `make -n` runs prepare too when the case changed, as for any included makefile.
PREPARED := $(PROCESSED)/.prepared.mk
SLICES   := $(foreach i,$(INDICATORS),$(PROCESSED)/.evidence-$(i).sha256)
ifeq ($(filter $(NO_BUILD_GOALS),$(MAKECMDGOALS)),)
-include $(PREPARED)
endif
$(PREPARED): $(RAW_FILES) $(PREPARE_SRC) $(TABLES) $(SLICES) $(ENV)
	$(PY) -m analysis prepare --case $(CASE) --processed $(PROCESSED) --evidence-digests
	@echo '# prepare ran on the inputs this stamp is newer than (see the Makefile)' > $@
$(TABLES) $(SLICES): ;

indicators: $(RESULTS) ## Execute the indicator notebook once per indicator

$(REPORTS)/notebooks/indicator-%.ipynb $(REPORTS)/results/%.json $(REPORTS)/figures/%-evidence.png $(REPORTS)/figures/%-evidence.svg $(REPORTS)/figures/%-informants.png $(REPORTS)/figures/%-informants.svg: notebooks/indicator.ipynb $(PROCESSED)/.evidence-%.sha256 $(CASE)/case.yml $(CASE)/codebook.yml $(CASE_TEMPLATES) $(INDICATOR_SRC) $(INDICATOR_TEMPLATES) $(ENV)
	$(PY) -m analysis indicator $* $(ARGS)

conclusion: $(REPORTS)/notebooks/conclusion.ipynb ## Execute the conclusion notebook

$(REPORTS)/notebooks/conclusion.ipynb $(REPORTS)/results/conclusion.json &: notebooks/conclusion.ipynb $(RESULTS) $(CASE)/case.yml $(CASE_TEMPLATES) $(CONCLUSION_SRC) $(CONCLUSION_TEMPLATES) $(ENV)
	$(PY) -m analysis conclusion --case $(CASE) --reports $(REPORTS)

chapter: $(CHAPTER) ## Assemble the chapters (findings, conclusion, appendix, thesis: HTML, Markdown, DOCX)

$(CHAPTER) &: $(EXECUTED) $(REPORTS)/notebooks/conclusion.ipynb $(TABLES) $(RAW_FILES) $(CHAPTER_SRC) $(ENV)
	$(PY) -m analysis assemble $(ARGS)

pdf: $(PDF) ## Print the chapters to PDF (A4, thesis margins) with xelatex or headless Chromium

# From the HTML already built, without rewriting it (the manifest and the DOCX stay up to date).
$(PDF) &: $(filter %.html,$(CHAPTER)) $(PDF_SRC) $(ENV)
	$(PY) -m analysis pdf --reports $(REPORTS)
	$(PY) -m analysis manifest $(ARGS)

$(MANIFEST): $(CHAPTER) $(TABLES) $(MANIFEST_SRC) $(ENV)
	$(PY) -m analysis manifest $(ARGS)

verify: $(MANIFEST) ## Rebuild into a scratch folder and report every output that differs (with diffs)
	$(PY) -m analysis verify $(ARGS)

diff: $(ENV) ## Compare two builds by findings first: make diff OLD=dir NEW=dir (or CODERS=1 for coder B vs A)
	$(PY) -m analysis diff $(if $(CODERS),--coders --processed $(PROCESSED) --reports $(REPORTS),$(OLD) $(NEW)) $(if $(HTML),--html $(HTML))

audit: $(CHAPTER) ## Check that no identity from the private key reached any output (every build also does)
	$(PY) -m analysis audit $(ARGS)

lint: $(ENV) ## Lint (ruff) and type-check (mypy) the package, tests and benchmarks, as configured in pyproject.toml
	$(ENV_DIR)/bin/ruff check src tests benchmarks
	$(ENV_DIR)/bin/mypy

test: lint ## Lint, then run the test suite (includes end-to-end builds of small cases: a few minutes)
	$(PY) -m pytest

test-fast: $(ENV) ## Run the tests without the end-to-end builds (no lint)
	$(PY) -m pytest -q -m "not e2e"

SIZES ?= 10,100,1000
PDF_PAGES ?= 1000
# The committed report changes only when asked (UPDATE=1); otherwise a run leaves the clone clean.
BENCH_OUT := $(if $(UPDATE),benchmarks/results,build/bench)
bench: $(ENV) ## Benchmarks at 10, 100, 1000 synthetic interviews (SIZES=10,100 quick; SIZES=10,100,1000,10000 adds the large size): build/bench/ (UPDATE=1: benchmarks/results/)
	$(PY) benchmarks/run.py --sizes $(SIZES) --out $(BENCH_OUT)
# Document originals: extraction and cleaning of a PDF of PDF_PAGES pages (target: 1,000 in under 60 s).
	$(PY) benchmarks/pdf_pages.py --pages $(PDF_PAGES) --out $(BENCH_OUT)

MUTATE ?=
mutation: $(ENV) ## Mutation testing of coding.py and pseudonymise.py (MUTATE=coding for one): benchmarks/results/mutation.md
	$(PY) benchmarks/mutation.py $(MUTATE)

new-case: $(ENV) ## Start a case folder from a commented template: make new-case DIR=path/to/case
	@test -n "$(DIR)" || { echo 'usage: make new-case DIR=path/to/case' >&2; exit 2; }
	$(PY) -m analysis new-case $(DIR)

# JupyterLab serves the whole project (notebooks/ and the executed copies in $(REPORTS)/notebooks/) and opens
# notebooks/. Jupyter refuses to run as root unless told to: containers and cloud notebooks often are root.
# Kernels get CurveZMQ transport encryption (see analysis.notebooks.kernel_encryption). LAB_ARGS: more options.
LAB_ARGS ?=
lab: $(ENV) ## Open the project in JupyterLab (notebooks/ and the executed copies run with "Run All")
	$(PY) -m jupyter lab --ServerApp.root_dir=$(CURDIR) --LabApp.default_url=/lab/tree/notebooks \
	  --KernelManager.transport_encryption=$$($(PY) -c 'from analysis.notebooks import kernel_encryption as k; print(k())') \
	  $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root) $(LAB_ARGS)

THRESHOLDS ?=
what-if: $(ENV) ## Rebuild the chapter with other thresholds: make what-if THRESHOLDS="min_informants=3" (into what-if/<thresholds>/, or OUT=dir)
	@test -n "$(THRESHOLDS)" || { echo 'usage: make what-if THRESHOLDS="min_informants=3 min_documents=0" [OUT=dir]' >&2; exit 2; }
	$(PY) -m analysis what-if --case $(CASE) $(if $(OUT),--out $(OUT)) $(foreach t,$(THRESHOLDS),--threshold $(t))

lock: ## Re-resolve requirements/lock.txt from pins.txt in a scratch venv
	rm -rf build/lock-venv && $(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/pip install --quiet -r requirements/pins.txt
	{ echo '# Full pinned environment (pip freeze of a venv built from pins.txt). Regenerate with `make lock`.'; \
	  build/lock-venv/bin/pip freeze; } > requirements/lock.txt.tmp && mv requirements/lock.txt.tmp requirements/lock.txt

clean: ## Remove generated files (never data/raw; keeps the environment)
	rm -rf $(REPORTS)
	find $(PROCESSED) -mindepth 1 ! -name .gitkeep -delete
