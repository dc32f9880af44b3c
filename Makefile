# Swarmlab — the two commands of the README, plus the benchmarks.
#   make demo    build, then run the demo (the event kernel against C; a churning volunteer fleet)
#   make test    build and run the whole test suite (first: a Python venv with h5py, pandas and
#                matplotlib in .build/pyenv, for the interop tests and `swarmlab report`; the
#                notebooks' venv, .build/nbenv; headless Chromium, to render the report)
#   make golden  rewrite the example scenarios' expected summaries (scenarios/examples/*.out)
#   make bench   the published benchmarks, with peers; refreshes results/BENCHMARKS.md
#   make notebooks  run the quickstart and the example sweep into .build/notebooks-results, then
#                execute notebooks-export/*.ipynb in place and export them to HTML (a Python venv
#                with Jupyter and matplotlib in .build/nbenv, scripts/notebooks-env)
#   make calibrate   measure this machine's kernels: results/calibration/<machine class>.json
#   make validate    simulator against the reference runtime on scenarios/validation: results/validation.md
#   make fuzz        every reader's libFuzzer target for FUZZ_SECONDS seconds each (scripts/fuzz,
#                    Fuzz/README.md); `make test` ends with a short run of each (FUZZ_RUNS
#                    inputs, seed 1; `results` a tenth of them: scripts/fuzz says why)
SHELL := /bin/bash
SWIFT ?= swift
RELEASE := .build/release/swarmlab

.PHONY: demo test golden bench calibrate validate notebooks build bootstrap clean fuzz

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build -c release --product swarmlab

demo: build
	@echo
	@echo "Swarmlab's event kernel against a plain C event list (the hold model: N events"
	@echo "pending; pop the earliest, schedule one Exp(1 s) later). Higher events/s is better."
	@$(RELEASE) bench hold --pending 1e3,1e5,1e6 --operations 2e6 --repeats 1
	@echo
	@echo "A volunteer fleet: 100,000 devices coming and going (Weibull ON/OFF) for 24 simulated"
	@echo "hours, each running 600-s tasks while it is on; a device that leaves loses its task."
	@$(RELEASE) bench churn --devices 1e5 --hours 24 --mode work 2>/dev/null
	@echo
	@echo "The quickstart scenario (scenarios/quickstart.yaml): 100,000 devices, a GEMM batch and"
	@echo "an inference stream for a simulated day, under two policies; results in results/quickstart.h5."
	@$(RELEASE) run scenarios/quickstart.yaml

test: bootstrap
	@scripts/python-env >/dev/null
	@scripts/notebooks-env >/dev/null
	@scripts/chromium-env >/dev/null
	$(SWIFT) build
	$(SWIFT) test
	SWIFT=$(SWIFT) scripts/fuzz --runs $(FUZZ_RUNS)

FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= 2000

# Builds the harness in its own scratch path (.build/fuzz) and runs each target; a crash,
# a hang over 10 s or 1 GiB allocated fails, leaving the input in .build/fuzz/artifacts/.
fuzz: bootstrap
	SWIFT=$(SWIFT) FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz

# Rewrites scenarios/examples/*.out, the examples' expected summaries `make test` compares
# against, after a change meant to alter them: review the diff and commit it with the change.
golden: bootstrap
	$(SWIFT) build --build-tests
	SWARMLAB_WRITE_GOLDEN=1 $(SWIFT) test --skip-build --filter ExampleGoldenTests

bench: build
	@benchmarks/peers/run setup
	$(RELEASE) bench hold --peers --record results/BENCHMARKS.md --markdown results/hold.md
	$(RELEASE) bench churn --peers --record results/BENCHMARKS.md --markdown results/churn.md
	$(RELEASE) bench work --devices 1e6 --tasks 1e6 --runs least-loaded random:2 --record results/BENCHMARKS.md --markdown results/work.md
	$(RELEASE) bench results --rows 1e6 --record results/BENCHMARKS.md --markdown results/results-writer.md
	$(RELEASE) bench work --devices 2e4 --tasks 2e4 --task-seconds 5400 --runs random availability-aware least-loaded fastest-first random:2 --section shootout --record results/BENCHMARKS.md --markdown results/shootout.md
	$(RELEASE) bench kernels --record results/BENCHMARKS.md --markdown results/kernels.md
	@# Flows at scale (results/BENCHMARKS.md §7): changes/s with 1e5 flows, and the quickstart with flows vs latency.
	$(RELEASE) bench flows --flows 1e5 --sites 0,5,30 --changes 1e5 --repeats 3 --quickstart-repeats 5 --record results/BENCHMARKS.md --markdown results/flows.md
	@# Storage on the devices (results/BENCHMARKS.md §8): 1e6 devices holding 1e6 objects of 29-of-80 pieces, 7 days.
	$(RELEASE) bench storage --devices 1e6 --objects 1e6 --k 29 --n 80 --days 7 --record results/BENCHMARKS.md --markdown results/storage.md
	@# Sizing (results/BENCHMARKS.md §6): size over 3 axes with a 100,000-device top corner; goal < 10 min.
	/usr/bin/time -f "size-1e5: %e s wall, %M KiB peak RSS" $(RELEASE) size scenarios/benchmarks/size-1e5.yaml --output results/size-1e5.h5
	@# One run on two cores (results/BENCHMARKS.md §9): the same run with --threads 1 and 2, alternated, 3 each.
	for i in 1 2 3; do for t in 1 2; do /usr/bin/time -f "threads $$t (run $$i): %e s wall, %U s user, %M KiB peak RSS" $(RELEASE) run scenarios/benchmarks/work-least-loaded.yaml --output /tmp/swarmlab-threads-$$t.h5 --threads $$t --quiet > /dev/null; done; done

# Writes results/calibration/<machine class>--<CPU>--<OpenBLAS core>.json (docs/calibration.md).
calibrate: build
	$(SWIFT) build -c release --product swarmlab-worker
	$(RELEASE) calibrate --worker .build/release/swarmlab-worker

# R = 5 replications per side (a long scenario's file lowers it); uses the profile under
# results/calibration/ matching this machine, or calibrates it first (docs/validation.md).
validate: build
	$(SWIFT) build -c release --product swarmlab-worker
	$(RELEASE) validate scenarios/validation --replications 5 --worker .build/release/swarmlab-worker \
		--calibration-directory results/calibration --record results/validation.md

NOTEBOOK_RESULTS := $(CURDIR)/.build/notebooks-results
NOTEBOOKS := quickstart.ipynb sweep.ipynb policies.ipynb
EXECUTE := -m jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.timeout=600

# Each notebook reads the results file its parameter names (SWARMLAB_RESULTS, or papermill's -p results_file).
notebooks: build
	@python=$$(scripts/notebooks-env) && \
	rm -rf $(NOTEBOOK_RESULTS) && mkdir -p $(NOTEBOOK_RESULTS) && \
	$(RELEASE) run scenarios/quickstart.yaml --output $(NOTEBOOK_RESULTS)/quickstart.h5 --timeline-interval 10s --quiet && \
	$(RELEASE) sweep scenarios/examples/sweep.yaml --output $(NOTEBOOK_RESULTS)/example-sweep-sweep.h5 --quiet && \
	cd notebooks-export && \
	SWARMLAB_RESULTS=$(NOTEBOOK_RESULTS)/quickstart.h5 $$python $(EXECUTE) quickstart.ipynb && \
	SWARMLAB_RESULTS=$(NOTEBOOK_RESULTS)/example-sweep-sweep.h5 $$python $(EXECUTE) sweep.ipynb policies.ipynb && \
	$$python -m jupyter nbconvert --to html $(NOTEBOOKS) && \
	ls -l $(NOTEBOOKS) $(NOTEBOOKS:.ipynb=.html)

clean:
	rm -rf .build
