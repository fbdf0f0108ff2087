/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A shared object without a descriptor: not a plugin. */
int tp_nosym_value(void);
__attribute__((visibility("default"))) int tp_nosym_value(void)
{
	return 42;
}
