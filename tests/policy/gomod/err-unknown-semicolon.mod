// expect-error: 5: unknown policy 'confined;'

module example.com/app

require example.com/a v1.0.0 // gomodjail:confined; see issue 12
