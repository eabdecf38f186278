// A tag on the "require (" line applies to the block (gomodjail ignores it);
// one on ")" does nothing (as in gomodjail) and is warned about.
// expect-confined: example.com/a example.com/b
// expect-unconfined: example.com/c example.com/app
// expect-warnings: 1

module example.com/app

require ( // gomodjail:confined
	example.com/a v1.0.0
	example.com/b v1.0.0
)

require (
	example.com/c v1.0.0
) // gomodjail:confined
