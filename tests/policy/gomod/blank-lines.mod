// Inside a block a comment attaches to the next line across blank lines
// (modfile does this); at top level a blank line detaches it (warning).
// expect-confined: example.com/a
// expect-unconfined: example.com/b example.com/app example.com/c
// expect-warnings: 1

module example.com/app

require (
	// gomodjail:confined

	example.com/a v1.0.0
	example.com/b v1.0.0
)

// gomodjail:confined

require example.com/c v1.0.0
