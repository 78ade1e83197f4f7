#!/usr/bin/awk -f
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# From bench/results/firewall.tsv: tna's cost at 60,000 flows over its cost
# at 1 flow (the stateless 100-rule chain), and the flood's fast-path share.
BEGIN { FS = "\t" }
$1 == "nft flows 100 rules" { one = $8 }
$1 == "nft flows 100 rules, 60000 flows" { many = $8 }
$1 == "nft flows 100 rules, 1000000 flows" { flood = $6 }
END {
	if (one > 0 && many > 0)
		printf "nft 100 rules: tna's per-packet cost at 60,000 flows is %.2fx its cost at 1 flow (target at most 1.2x: %s).\n", many / one, (many / one <= 1.2 ? "met" : "not met")
	if (flood != "")
		printf "nft 100 rules, a flood of 1,000,000 flows: %.1f %% on the fast path (target at least 95 %%: %s).\n", 100 * flood, (flood >= 0.95 ? "met" : "not met")
}
