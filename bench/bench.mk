# make bench-scale: every route at 10k, 1M and 5M invoices against its
# 10k figure, the keep-alive concurrency sweep, bytes per invoice, plans
# under force_generic_plan (bench/scale.sh; results in bench/results/).
# A quick run: make bench-scale SIZES="10000 100000" SCALE_REPS=1
.PHONY: bench-scale
bench-scale: build
	SIZES="$(or $(SIZES),10000 1000000 5000000)" bench/scale.sh
