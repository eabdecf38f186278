// expect-error: 5: unterminated require block

module example.com/app

require (
	example.com/a v1.0.0 // gomodjail:confined
