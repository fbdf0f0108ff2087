/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replays a fuzz target's corpus (FZ_CORPUS_DIR) through its entry point,
 * with every truncation and single-byte mutation of each file, so the
 * parsers' bounds checks run in every build (gcc included, and under
 * ASan+UBSan in the sanitizer build) without libFuzzer.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

#define FZ_FILE_MAX (1u << 20)

/* Runs one input from an exactly sized heap copy, so an over-read is caught. */
static void fz_run(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	cr_assert_not_null(copy);
	memcpy(copy, data, size);
	LLVMFuzzerTestOneInput(copy, size);
	free(copy);
}

static void fz_mutations(const uint8_t *data, size_t size)
{
	static const uint8_t values[] = { 0x00, 0x01, 0x7f, 0xff };
	size_t stride = fz_target.stride > 1 ? fz_target.stride : 1;
	uint8_t *m = malloc(size ? size : 1);

	cr_assert_not_null(m);
	for (size_t len = 0; len < size; len += stride)
		fz_run(data, len);
	fz_run(data, size);
	for (size_t i = 0; i < size; i += stride) {
		for (size_t v = 0; v < sizeof(values); v++) {
			memcpy(m, data, size);
			m[i] = values[v];
			fz_run(m, size);
			if (fz_target.more) {
				size_t len = fz_target.more(m, size, i);

				if (len)
					fz_run(m, len);
			}
		}
	}
	free(m);
}

static size_t fz_read_file(const char *path, uint8_t *buf, size_t max)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	cr_assert_not_null(f, "cannot open %s", path);
	n = fread(buf, 1, max, f);
	fclose(f);
	return n;
}

Test(fuzz, corpus_replay, .timeout = 240)
{
	DIR *dir = opendir(FZ_CORPUS_DIR);
	uint8_t *buf = malloc(FZ_FILE_MAX);
	size_t files = 0, rejected = 0;
	struct dirent *de;

	cr_assert_not_null(dir, "no corpus at %s", FZ_CORPUS_DIR);
	cr_assert_not_null(buf);
	while ((de = readdir(dir))) {
		char path[4096];
		size_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", FZ_CORPUS_DIR, de->d_name);
		n = fz_read_file(path, buf, FZ_FILE_MAX);
		files++;
		if (fz_target.seed_ok && !fz_target.seed_ok(buf, n)) {
			cr_log_error("seed %s is rejected by the parser", de->d_name);
			rejected++;
		}
		fz_mutations(buf, n);
	}
	closedir(dir);
	free(buf);
	cr_assert_geq(files, fz_target.min_seeds, "corpus has only %zu files", files);
	/* The seeds are real messages: the parser must accept them to fuzz past it. */
	cr_assert_eq(rejected, 0, "%zu of %zu seeds rejected", rejected, files);
}
