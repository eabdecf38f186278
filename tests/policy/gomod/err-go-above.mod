// expect-error: 5: // gomodjail:unconfined on the go line is not allowed

module example.com/app

// gomodjail:unconfined
go 1.23

require example.com/a v1.0.0
