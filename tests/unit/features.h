/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* This file contains which feature sets the planner can produce, for the tests that walk them all. */
#ifndef TNA_TEST_FEATURES_H
#define TNA_TEST_FEATURES_H

#include <stdint.h>
#include "tna/abi.h"

/* Sub-modules only with their module; one rp_filter mode at most. */
static inline int plannable(uint64_t f)
{
	uint64_t route = TNA_F_ROUTE4 | TNA_F_ROUTE6;
	uint64_t br = TNA_F_BR_IP4 | TNA_F_BR_IP6 | TNA_F_BR_NF4 | TNA_F_BR_NF6;

	if ((f & br) && !(f & TNA_F_BRIDGE))
		return 0;
	if ((f & (TNA_F_RPF4_LOOSE | TNA_F_RPF4_STRICT)) && !(f & TNA_F_ROUTE4))
		return 0;
	if ((f & TNA_F_RPF4_LOOSE) && (f & TNA_F_RPF4_STRICT))
		return 0;
	if ((f & TNA_F_ROUTE_TO_BR) && !(f & route))
		return 0;
	if ((f & TNA_F_CSUM) && !(f & (route | TNA_F_BRIDGE)))
		return 0;
	if (((f & TNA_F_BR_NF4) && !(f & TNA_F_BR_IP4)) ||
	    ((f & TNA_F_BR_NF6) && !(f & TNA_F_BR_IP6)))
		return 0;
	return 1;
}

#endif /* TNA_TEST_FEATURES_H */
