/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replays the PF_KEY fuzz corpus through the fuzz target's entry point,
 * with every truncation and single-byte mutation of each file, so the
 * parser's bounds checks run in every build (gcc included, and under
 * ASan+UBSan in the sanitizer build) without libFuzzer.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "pfkey_conv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs one input from an exactly sized heap copy, so an over-read is caught. */
static void run(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	cr_assert_not_null(copy);
	memcpy(copy, data, size);
	LLVMFuzzerTestOneInput(copy, size);
	free(copy);
}

static void run_mutations(const uint8_t *data, size_t size)
{
	static const uint8_t values[] = { 0x00, 0x01, 0x7f, 0xff };
	uint8_t *m = malloc(size ? size : 1);

	for (size_t len = 0; len <= size; len++)
		run(data, len);
	for (size_t i = 0; i < size; i++) {
		for (size_t v = 0; v < sizeof(values); v++) {
			memcpy(m, data, size);
			m[i] = values[v];
			run(m, size);
			/* A header that agrees with the shortened length reaches the extension walk. */
			if (size >= sizeof(struct sadb_msg) + 8 && i >= sizeof(struct sadb_msg)) {
				uint16_t words = (uint16_t)((size - 8) / 8);

				memcpy(m + offsetof(struct sadb_msg, sadb_msg_len), &words, sizeof(words));
				run(m, size - 8);
			}
		}
	}
	free(m);
}

static size_t read_file(const char *path, uint8_t *buf, size_t max)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	cr_assert_not_null(f, "cannot open %s", path);
	n = fread(buf, 1, max, f);
	fclose(f);
	return n;
}

Test(fuzz_pfkey, corpus_replay)
{
	DIR *dir = opendir(PFK_CORPUS_DIR);
	struct dirent *de;
	size_t files = 0, accepted = 0;
	static uint8_t buf[PFK_MSG_MAX];

	cr_assert_not_null(dir, "no corpus at %s", PFK_CORPUS_DIR);
	while ((de = readdir(dir))) {
		char path[4096];
		struct pfk_msg msg;
		const char *why;
		size_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", PFK_CORPUS_DIR, de->d_name);
		n = read_file(path, buf, sizeof(buf));
		files++;
		if (!pfk_msg_parse(buf, n, &msg, &why))
			accepted++;
		run_mutations(buf, n);
	}
	closedir(dir);
	cr_assert_geq(files, 5, "corpus has only %zu files", files);
	/* The seeds are real af_key messages: the parser must accept them to fuzz past it. */
	cr_assert_eq(accepted, files, "%zu of %zu seeds rejected", files - accepted, files);
}
