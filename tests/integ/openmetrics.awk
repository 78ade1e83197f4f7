#!/usr/bin/awk -f
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Checks OpenMetrics text as tna writes it (counters and gauges): every
# family declared once with TYPE and HELP (UNIT matching its name's
# suffix) before its samples; names and label names as Prometheus allows;
# label values quoted with \\, \" and \n escaped; counter samples named
# FAMILY_total, gauge samples FAMILY; numeric values; no sample twice;
# "# EOF" last. Prints the first problem and exits 1; else the counts.
function bad(why) { printf "openmetrics line %d: %s: %s\n", NR, why, $0; err = 1; exit 1 }
BEGIN { name = "^[a-zA-Z_:][a-zA-Z0-9_:]*$"; lname = "^[a-zA-Z_][a-zA-Z0-9_]*$" }
eof { bad("text after # EOF") }
/^# EOF$/ { eof = 1; next }
/^# TYPE / {
	if (NF != 4 || $3 !~ name || ($4 != "counter" && $4 != "gauge")) bad("bad TYPE")
	if ($3 in type) bad("family declared twice")
	cur = $3; type[cur] = $4; fams++; next
}
/^# UNIT / {
	if (NF != 4 || $3 != cur || substr(cur, length(cur) - length($4)) != "_" $4) bad("bad UNIT")
	next
}
/^# HELP / { if ($3 != cur || NF < 4) bad("HELP not of the family being declared"); help[cur] = 1; next }
/^#/ { bad("unknown comment") }
{
	line = $0
	if (!match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) bad("no metric name")
	m = substr(line, 1, RLENGTH); rest = substr(line, RLENGTH + 1)
	if (!cur || !help[cur]) bad("sample before its family's TYPE and HELP")
	if (!((type[cur] == "counter" && m == cur "_total") || (type[cur] == "gauge" && m == cur))) bad("sample not of its family")
	key = m
	if (substr(rest, 1, 1) == "{") {
		rest = substr(rest, 2)
		while (1) {
			if (!match(rest, /^[a-zA-Z_][a-zA-Z0-9_]*="/)) bad("bad label")
			rest = substr(rest, RLENGTH + 1)
			if (!match(rest, /^([^"\\\n]|\\\\|\\"|\\n)*"/)) bad("bad label value")
			key = key "|" substr(rest, 1, RLENGTH)
			rest = substr(rest, RLENGTH + 1)
			if (substr(rest, 1, 1) == ",") { rest = substr(rest, 2); continue }
			if (substr(rest, 1, 1) == "}") { rest = substr(rest, 2); break }
			bad("bad label list")
		}
	}
	if (rest !~ /^ [0-9]+(\.[0-9]+)?$/) bad("bad value")
	if (key in seen) bad("sample twice")
	seen[key] = 1; samples++
}
END {
	if (err) exit 1
	if (!eof) { print "openmetrics: no # EOF"; exit 1 }
	printf "%d families, %d samples\n", fams, samples
}
