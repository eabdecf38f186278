# SPDX-License-Identifier: GPL-2.0
#
# A small Markdown -> man(7) converter for docs/bpfjail.md, used by
# `make man` when pandoc is not installed. It knows what that page uses:
# "# " and "## " headings, ``` blocks, "term" lines followed by
# ":   definition", "| a | b |" tables (as tagged paragraphs, header row
# dropped), "* " and "1. " lists, `code`, **bold**, *italic*, [text](link).
# POSIX awk (mawk is enough).
#
#   awk -v version=V -f scripts/md2man.awk docs/bpfjail.md > bpfjail.8

function esc(s) {
	gsub(/\\/, "\\e", s)
	gsub(/-/, "\\-", s)
	return s
}

# Replace each pair of delimiter d by font f ... \fR.
function pairs(s, d, f,    out, a, b) {
	out = ""
	while ((a = index(s, d)) > 0) {
		b = index(substr(s, a + length(d)), d)
		if (b == 0)
			break
		out = out substr(s, 1, a - 1) "\\f" f substr(s, a + length(d), b - 1) "\\fR"
		s = substr(s, a + length(d) + b - 1 + length(d))
	}
	return out s
}

# [text](target) -> text
function links(s,    out) {
	out = ""
	while (match(s, /\[[^]]*\]\([^)]*\)/)) {
		t = substr(s, RSTART + 1)
		t = substr(t, 1, index(t, "]") - 1)
		out = out substr(s, 1, RSTART - 1) t
		s = substr(s, RSTART + RLENGTH)
	}
	return out s
}

function inline(s) {
	s = links(esc(s))
	s = pairs(s, "`", "B")
	s = pairs(s, "**", "B")
	s = pairs(s, "*", "I")
	return s
}

# A text line must not start with a control character.
function out(s) {
	sub(/^ +/, "", s)
	if (s ~ /^[.']/)
		s = "\\&" s
	print s
}

function cell(s) {
	gsub(/^ +| +$/, "", s)
	gsub(/\001/, "|", s)
	return s
}

{ L[++N] = $0 }

END {
	printf ".TH BPFJAIL 8 \"\" \"bpfjail %s\" \"bpfjail manual\"\n", version
	code = 0
	intable = 0
	for (i = 1; i <= N; i++) {
		line = L[i]
		if (line ~ /^```/) {
			if (code) { print ".fi"; print ".RE" }
			else { print ".PP"; print ".RS 4"; print ".nf" }
			code = !code
			continue
		}
		if (code) {
			s = esc(line)
			if (s ~ /^[.']/)
				s = "\\&" s
			print s
			continue
		}
		if (line ~ /^\|/) {
			gsub(/\\\|/, "\001", line)
			if (line ~ /^\|[-: |]+\|$/)
				continue
			if (!intable) {
				intable = 1	# the header row
				continue
			}
			n = split(line, c, "|")
			print ".TP"
			out(inline(cell(c[2])))
			rest = ""
			for (k = 3; k < n; k++) {
				v = cell(c[k])
				if (v != "")
					rest = rest (rest == "" ? "" : "; ") v
			}
			out(inline(rest))
			continue
		}
		intable = 0
		if (line ~ /^<!--/)
			continue
		if (line ~ /^# /) {
			sub(/^# /, "", line)
			print ".SH \"" toupper(line) "\""
		} else if (line ~ /^## /) {
			sub(/^## /, "", line)
			print ".SS \"" inline(line) "\""
		} else if (line ~ /^$/) {
			print ".PP"
		} else if (i < N && L[i + 1] ~ /^:   /) {
			print ".TP"
			out(inline(line))
		} else if (line ~ /^:   /) {
			sub(/^:   /, "", line)
			out(inline(line))
		} else if (line ~ /^[*-] /) {
			sub(/^[*-] /, "", line)
			print ".IP \\(bu 2"
			out(inline(line))
		} else if (line ~ /^[0-9]+\. /) {
			num = line
			sub(/\..*/, "", num)
			sub(/^[0-9]+\. /, "", line)
			print ".IP " num ". 4"
			out(inline(line))
		} else {
			out(inline(line))
		}
	}
}
