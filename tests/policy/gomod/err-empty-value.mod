// expect-error: 5: unknown policy ''

module example.com/app

require example.com/a v1.0.0 // gomodjail:
