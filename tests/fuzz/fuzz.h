/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every fuzz target defines beside libFuzzer's entry point: its seeds'
 * expectations and extra mutations for the corpus replay (replay.c).
 */
#ifndef CG_FUZZ_H
#define CG_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_target {
	size_t min_seeds;        /* the corpus has at least this many files */
	/* The target's parser takes this seed, so fuzzing gets past it (NULL: not checked). */
	bool (*seed_ok)(const uint8_t *data, size_t size);
	/*
	 * One more input from m, a copy of a seed whose byte i was changed
	 * (NULL: none): it may change m further (e.g. a length field that
	 * agrees with a cut) and returns the length to run, 0 for none.
	 */
	size_t (*more)(uint8_t *m, size_t size, size_t i);
	/* Mutate every stride-th byte only (0 or 1: every byte), for slow targets. */
	size_t stride;
};

extern const struct fz_target fz_target;

#endif
