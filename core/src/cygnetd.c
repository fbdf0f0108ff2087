/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cygnetd: placeholder until the daemon's main loop lands (see core.c). */
#include <stdio.h>

int main(void)
{
	fputs("cygnetd: not built yet\n", stderr);
	return 1;
}
