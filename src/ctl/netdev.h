/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the constants of the netdev generic netlink family
 * (linux/netdev.h, newer than the UAPI headers Debian 12 ships).
 */
#ifndef TNA_NETDEV_H
#define TNA_NETDEV_H

#define NETDEV_FAMILY_NAME "netdev"
#define NETDEV_MCGRP_MGMT "mgmt"

#define NETDEV_XDP_ACT_BASIC (1ULL << 0)
#define NETDEV_XDP_ACT_REDIRECT (1ULL << 1)
#define NETDEV_XDP_ACT_NDO_XMIT (1ULL << 2)

#define NETDEV_A_DEV_IFINDEX 1
#define NETDEV_A_DEV_XDP_FEATURES 3

#define NETDEV_CMD_DEV_GET 1
#define NETDEV_CMD_DEV_ADD_NTF 2
#define NETDEV_CMD_DEV_DEL_NTF 3
#define NETDEV_CMD_DEV_CHANGE_NTF 4

#endif /* TNA_NETDEV_H */
