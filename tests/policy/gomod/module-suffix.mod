// A default on the module line itself; the bpfjail tag; replace is ignored.
// expect-confined: example.com/a example.com/c golang.org/x/sys
// expect-unconfined: example.com/b example.com/app
// expect-warnings: 1

module example.com/app // gomodjail:confined

go 1.22

toolchain go1.22.5

require (
	example.com/a v1.0.0
	example.com/b v1.0.0 // bpfjail:unconfined
	"example.com/c" v1.0.0
)

require golang.org/x/sys v0.20.0 // indirect

replace example.com/b => ../b // gomodjail:confined

exclude example.com/a v0.9.0
