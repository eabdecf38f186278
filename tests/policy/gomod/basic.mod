// gomodjail's own "basic" test case (pkg/profile/fromgomod).
// expect-confined: example.com/mod100 example.com/mod102 example.com/mod104
// expect-confined: example.com/mod201 example.com/mod202 example.com/mod203 example.com/mod204
// expect-unconfined: example.com/mod101 example.com/mod103 example.com/mod200 example.com/foo

module example.com/foo

go 1.23

require (
	example.com/mod100 v1.2.3 // gomodjail:confined
	example.com/mod101 v1.2.3
	// gomodjail:confined
	example.com/mod102 v1.2.3
	example.com/mod103 v1.2.3
	example.com/mod104 v1.2.3 //gomodjail:confined
)

require (
	example.com/mod200 v1.2.3 // indirect
	example.com/mod201 v1.2.3 // indirect; gomodjail:confined
	example.com/mod202 v1.2.3 // indirect // gomodjail:confined
	// gomodjail:confined
	example.com/mod203 v1.2.4 // indirect
	example.com/mod204 v1.2.3 // indirect //gomodjail:confined
)
