// Path boundaries and the longest match: foo confined, foo/sub unconfined.
// expect-confined: example.com/foo example.com/foo/bar example.com/foo/sub/v2x
// expect-unconfined: example.com/foo/sub example.com/foo/sub/deep example.com/foobar example.com/app

module example.com/app

require (
	example.com/foo v1.0.0 // gomodjail:confined
	example.com/foo/sub v1.0.0 // gomodjail:unconfined
	example.com/foo/sub/v2x v1.0.0 // gomodjail:confined
	example.com/foobar v1.0.0
)
