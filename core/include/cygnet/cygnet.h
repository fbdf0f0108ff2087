/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Umbrella header: the whole plugin API. */
#ifndef CYGNET_CYGNET_H
#define CYGNET_CYGNET_H

#include <cygnet/bus.h>
#include <cygnet/bytes.h>
#include <cygnet/config.h>
#include <cygnet/conn.h>
#include <cygnet/control.h>
#include <cygnet/core.h>
#include <cygnet/cred.h>
#include <cygnet/crypto.h>
#include <cygnet/dns.h>
#include <cygnet/hmap.h>
#include <cygnet/id.h>
#include <cygnet/ike.h>
#include <cygnet/job.h>
#include <cygnet/kernel.h>
#include <cygnet/log.h>
#include <cygnet/net.h>
#include <cygnet/plugin.h>
#include <cygnet/pool.h>
#include <cygnet/sa.h>
#include <cygnet/sched.h>
#include <cygnet/transform.h>
#include <cygnet/ts.h>
#include <cygnet/types.h>
#include <cygnet/watch.h>

#endif
