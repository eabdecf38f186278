// expect-error: 7: conflicting policy comments: 'confined' here, 'unconfined' at line 6

module example.com/app

require (
	// gomodjail:unconfined
	example.com/a v1.0.0 // gomodjail:confined
)
