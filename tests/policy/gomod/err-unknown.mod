// expect-error: 7: unknown policy 'confine'

module example.com/app

require (
	example.com/a v1.0.0
	example.com/b v1.0.0 // indirect; gomodjail:confine
)
