// gomodjail's "global" test case: a module default, block defaults, overrides.
// expect-confined: example.com/mod100 example.com/mod102 example.com/mod201 example.com/mod202
// expect-confined: example.com/mod301 example.com/mod400 example.com/mod402
// expect-unconfined: example.com/mod101 example.com/mod103 example.com/mod200
// expect-unconfined: example.com/mod300 example.com/mod302 example.com/mod401 example.com/foo

// gomodjail:confined
module example.com/foo

go 1.23

require (
	example.com/mod100 v1.2.3
	example.com/mod101 v1.2.3 // gomodjail:unconfined
	example.com/mod102 v1.2.3
	// gomodjail:unconfined
	example.com/mod103 v1.2.3
)

require (
	// gomodjail:unconfined
	example.com/mod200 v1.2.3 // indirect
	example.com/mod201 v1.2.3 // indirect
	example.com/mod202 v1.2.3 // indirect
)

//gomodjail:unconfined
require (
	example.com/mod300 v1.2.3
	example.com/mod301 v1.2.3 // gomodjail:confined
	example.com/mod302 v1.2.3
)

// gomodjail:confined
require (
	example.com/mod400 v1.2.3 // indirect
	example.com/mod401 v1.2.3 // indirect // gomodjail:unconfined
	example.com/mod402 v1.2.3 // indirect
)
