// A module required twice: the last require line decides (as in gomodjail).
// expect-confined: example.com/b
// expect-unconfined: example.com/a example.com/app
// expect-warnings: 2

module example.com/app

require example.com/a v1.0.0 // gomodjail:confined
require example.com/b v1.0.0

require (
	example.com/a v1.0.1
	example.com/b v1.0.1 // gomodjail:confined
)
