// expect-error: 3: unknown policy 'jailed'

// bpfjail:jailed
module example.com/app
