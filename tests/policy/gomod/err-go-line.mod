// expect-error: 5: on the go line is not allowed

module example.com/app

go 1.23 // gomodjail:confined
