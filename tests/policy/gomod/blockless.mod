// gomodjail's "blockless" test case.
// expect-confined: example.com/mod
// expect-unconfined: example.com/other example.com/foo

module example.com/foo

go 1.23

require example.com/mod v1.2.3 // gomodjail:confined
require example.com/other v1.2.3
