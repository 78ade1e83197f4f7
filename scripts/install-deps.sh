#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Installs what tna needs to build, run and test on Debian 12 (root).
# README.md says why each package is there.
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	make gcc libc6-dev pkg-config git \
	clang libbpf-dev bpftool libelf-dev zlib1g-dev linux-libc-dev \
	libmnl-dev libnftnl-dev \
	iproute2 ethtool nftables iptables jq tcpdump gnuplot-nox \
	clang-format >/dev/null
